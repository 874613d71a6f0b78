using System.Text;

namespace Shangding.Core.Intake.Files;

/// <summary>Opens an uploaded file as rows of strings, whatever its name says: the content decides.</summary>
public static class TabularReader
{
    private const int SniffBytes = 8192;

    /// <summary>
    /// Sniffs <paramref name="stream"/> and opens it as .xlsx, .xls or CSV. The caller keeps ownership
    /// of <paramref name="stream"/> and must keep it open while the source is used; a stream that cannot
    /// seek (or is not at its start) is first spooled to a temporary file, counting against
    /// <see cref="IntakeFileLimits.MaxFileBytes"/>.
    /// </summary>
    /// <param name="fileName">The name the clerk uploaded, used in messages only.</param>
    /// <exception cref="IntakeFileException">The file is refused; the message says why and what to do.</exception>
    public static ITabularSource Open(Stream stream, string fileName, IntakeFileLimits limits)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(limits);
        var (input, owned) = MakeSeekable(stream, limits);
        try
        {
            if (input.Length > limits.MaxFileBytes)
            {
                throw FileMessages.TooLarge(input.Length, limits);
            }

            if (input.Length == 0)
            {
                throw FileMessages.NoData();
            }

            var head = new byte[(int)Math.Min(SniffBytes, input.Length)];
            input.Position = 0;
            input.ReadExactly(head);
            input.Position = 0;
            var source = OpenSniffed(input, owned, head, fileName, limits);
            owned = false; // the source owns it now
            return source;
        }
        finally
        {
            if (owned)
            {
                input.Dispose();
            }
        }
    }

    private static ITabularSource OpenSniffed(Stream input, bool owned, byte[] head, string fileName, IntakeFileLimits limits)
    {
        ReadOnlySpan<byte> h = head;
        if (h.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x03, 0x04]))
        {
            return XlsxSource.Open(input, owned, fileName, limits);
        }

        if (h.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x05, 0x06]) || h.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x07, 0x08]))
        {
            throw FileMessages.NotASpreadsheet(fileName, "一个空的或分卷的压缩包（zip）", "an empty or split zip archive");
        }

        if (CompoundFile.HasSignature(h))
        {
            List<string> names;
            try
            {
                names = CompoundFile.ReadDirectoryNames(input);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
            {
                throw FileMessages.Corrupt("OLE", e);
            }

            input.Position = 0;
            if (names.Contains("EncryptionInfo", StringComparer.OrdinalIgnoreCase)
                || names.Contains("EncryptedPackage", StringComparer.OrdinalIgnoreCase))
            {
                throw FileMessages.Encrypted();
            }

            if (names.Contains("Workbook", StringComparer.OrdinalIgnoreCase) || names.Contains("Book", StringComparer.OrdinalIgnoreCase))
            {
                return XlsSource.Open(input, owned, fileName, limits);
            }

            if (names.Contains("WordDocument", StringComparer.OrdinalIgnoreCase))
            {
                throw FileMessages.NotASpreadsheet(fileName, "一个 Word 文档（.doc）", "a Word document (.doc)");
            }

            if (names.Contains("PowerPoint Document", StringComparer.OrdinalIgnoreCase))
            {
                throw FileMessages.NotASpreadsheet(fileName, "一个 PowerPoint 演示文稿（.ppt）", "a PowerPoint presentation (.ppt)");
            }

            throw FileMessages.NotASpreadsheet(fileName);
        }

        if (Identify(h) is { } kind)
        {
            throw FileMessages.NotASpreadsheet(fileName, kind.Zh, kind.En);
        }

        var hasUtf16Bom = h.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || h.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]);
        if (!hasUtf16Bom && LooksBinary(h))
        {
            throw FileMessages.NotASpreadsheet(fileName);
        }

        return CsvSource.Open(input, owned, head, fileName, limits);
    }

    private static (string Zh, string En)? Identify(ReadOnlySpan<byte> h)
    {
        if (h.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47]))
        {
            return ("一张 PNG 图片", "a PNG image");
        }

        if (h.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return ("一张 JPEG 图片", "a JPEG image");
        }

        if (h.StartsWith("GIF8"u8))
        {
            return ("一张 GIF 图片", "a GIF image");
        }

        if (h.StartsWith("%PDF"u8))
        {
            return ("一个 PDF 文档", "a PDF document");
        }

        if (h.StartsWith("Rar!"u8) || h.StartsWith((ReadOnlySpan<byte>)[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) || h.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
        {
            return ("一个压缩包（rar/7z/gz）", "a compressed archive (rar/7z/gz)");
        }

        if (h.StartsWith("MZ"u8) || h.StartsWith((ReadOnlySpan<byte>)[0x7F, 0x45, 0x4C, 0x46]))
        {
            return ("一个程序文件", "an executable program");
        }

        if (h.StartsWith("{\\rtf"u8))
        {
            return ("一个 RTF 文档", "an RTF document");
        }

        // Many web systems export "Excel" files that are really HTML tables or Excel 2003 XML.
        var start = Encoding.UTF8.GetString(h[..Math.Min(h.Length, 2048)]).TrimStart('\uFEFF', ' ', '\r', '\n', '\t');
        if (start.StartsWith("<!DOCTYPE html", StringComparison.OrdinalIgnoreCase)
            || start.StartsWith("<html", StringComparison.OrdinalIgnoreCase)
            || (start.StartsWith('<') && start.Contains("<table", StringComparison.OrdinalIgnoreCase)))
        {
            return ("一个网页（HTML）文件（有些系统导出的“Excel”其实是网页），请用 Excel 打开后另存为 .xlsx", "an HTML page (some systems export 'Excel' files that are web pages); open it in Excel and save it as .xlsx");
        }

        if (start.StartsWith("<?xml", StringComparison.OrdinalIgnoreCase)
            && start.Contains("urn:schemas-microsoft-com:office:spreadsheet", StringComparison.OrdinalIgnoreCase))
        {
            return ("一个 Excel 2003 XML 表格，请用 Excel 打开后另存为 .xlsx", "an Excel 2003 XML spreadsheet; open it in Excel and save it as .xlsx");
        }

        return null;
    }

    /// <summary>Text files have no NUL bytes and few control characters.</summary>
    private static bool LooksBinary(ReadOnlySpan<byte> head)
    {
        if (head.Contains((byte)0))
        {
            return true;
        }

        var control = 0;
        foreach (var b in head)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\r' or (byte)'\n' or 0x0C or 0x1A))
            {
                control++;
            }
        }

        return control > head.Length / 100;
    }

    private static (Stream Input, bool Owned) MakeSeekable(Stream stream, IntakeFileLimits limits)
    {
        if (stream.CanSeek && stream.Position == 0)
        {
            return (stream, false);
        }

        if (stream.CanSeek && stream.Length - stream.Position > limits.MaxFileBytes)
        {
            throw FileMessages.TooLarge(stream.Length - stream.Position, limits);
        }

        var temp = new FileStream(
            Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.DeleteOnClose | FileOptions.SequentialScan);
        try
        {
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                total += read;
                if (total > limits.MaxFileBytes)
                {
                    throw FileMessages.TooLarge(0, limits);
                }

                temp.Write(buffer, 0, read);
            }

            temp.Position = 0;
            return (temp, true);
        }
        catch
        {
            temp.Dispose();
            throw;
        }
    }
}
