using System.Buffers.Binary;
using System.Text;

namespace Shangding.Core.Tests.Intake.Files;

/// <summary>
/// A minimal OLE compound file (MS-CFB version 3, 512-byte sectors) writer for tests: a root storage
/// holding the given streams, laid out as header, FAT sectors, directory sectors, then stream data.
/// Every stream is padded to at least 4096 bytes so it lives in regular sectors and no mini stream
/// is needed; an encrypted .xlsx only needs its "EncryptionInfo"/"EncryptedPackage" names to be found,
/// a legacy .xls needs a readable "Workbook" stream.
/// </summary>
internal static class CompoundFileBuilder
{
    private const int SectorSize = 512;
    private const uint Free = 0xFFFFFFFF;
    private const uint EndOfChain = 0xFFFFFFFE;
    private const uint FatSector = 0xFFFFFFFD;

    public static byte[] Build(params (string Name, byte[] Data)[] streams)
    {
        var padded = streams.Select(s => (s.Name, Data: s.Data.Length >= 4096 ? s.Data : [.. s.Data, .. new byte[4096 - s.Data.Length]])).ToList();
        var dataSectors = padded.Select(s => (s.Data.Length + SectorSize - 1) / SectorSize).ToList();
        var directorySectors = (padded.Count + 1 + 3) / 4;
        var fatSectors = 1;
        while (fatSectors * 128 < fatSectors + directorySectors + dataSectors.Sum())
        {
            fatSectors++;
        }

        var fat = Enumerable.Repeat(Free, fatSectors * 128).ToArray();
        for (var i = 0; i < fatSectors; i++)
        {
            fat[i] = FatSector;
        }

        var next = fatSectors;
        var firstDirectory = (uint)next;
        Chain(fat, ref next, directorySectors);
        var starts = new List<uint>();
        foreach (var count in dataSectors)
        {
            starts.Add((uint)next);
            Chain(fat, ref next, count);
        }

        var header = new byte[SectorSize];
        new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 }.CopyTo(header, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(0x18), 0x003E);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(0x1A), 3);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(0x1C), 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(0x1E), 9);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(0x20), 6);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0x2C), (uint)fatSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0x30), firstDirectory);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0x38), 4096);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0x3C), EndOfChain);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0x44), EndOfChain);
        for (var i = 0; i < 109; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0x4C + (i * 4)), i < fatSectors ? (uint)i : Free);
        }

        var directory = new byte[directorySectors * SectorSize];
        // Root entry; its children hang off it as a chain of right siblings (a valid, if unbalanced, tree).
        WriteEntry(directory, 0, "Root Entry", 5, padded.Count > 0 ? 1u : Free, Free, EndOfChain, 0);
        var order = padded.Select((s, i) => (s.Name, Index: i)).ToList();
        for (var i = 0; i < padded.Count; i++)
        {
            WriteEntry(directory, i + 1, padded[i].Name, 2, Free, i + 1 < padded.Count ? (uint)(i + 2) : Free, starts[i], (uint)padded[i].Data.Length);
        }

        for (var i = padded.Count + 1; i < directorySectors * 4; i++)
        {
            WriteEntry(directory, i, string.Empty, 0, Free, Free, 0, 0);
        }

        using var output = new MemoryStream();
        output.Write(header);
        var fatBytes = new byte[fat.Length * 4];
        for (var i = 0; i < fat.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(fatBytes.AsSpan(i * 4), fat[i]);
        }

        output.Write(fatBytes);
        output.Write(directory);
        foreach (var (_, data) in padded)
        {
            output.Write(data);
            output.Write(new byte[((data.Length + SectorSize - 1) / SectorSize * SectorSize) - data.Length]);
        }

        _ = order;
        return output.ToArray();
    }

    private static void Chain(uint[] fat, ref int next, int count)
    {
        for (var i = 0; i < count; i++)
        {
            fat[next] = i == count - 1 ? EndOfChain : (uint)(next + 1);
            next++;
        }
    }

    private static void WriteEntry(byte[] directory, int index, string name, byte type, uint child, uint right, uint start, uint size)
    {
        var entry = directory.AsSpan(index * 128, 128);
        if (type != 0)
        {
            var nameBytes = Encoding.Unicode.GetBytes(name);
            nameBytes.CopyTo(entry);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[0x40..], (ushort)(nameBytes.Length + 2));
        }

        entry[0x42] = type;
        entry[0x43] = 1; // black
        BinaryPrimitives.WriteUInt32LittleEndian(entry[0x44..], Free);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[0x48..], right);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[0x4C..], child);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[0x74..], start);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[0x78..], size);
    }
}

/// <summary>
/// A minimal BIFF8 workbook stream: one visible sheet of LABEL (text) and NUMBER cells, optionally a
/// FILEPASS record (the marker of a password-protected .xls) — enough for ExcelDataReader.
/// </summary>
internal static class BiffBuilder
{
    public static byte[] Workbook(string sheetName, IEnumerable<(int Row, int Column, object Value)> cells, bool passwordProtected = false)
    {
        var globals = new MemoryStream();
        Record(globals, 0x0809, Bof(0x0005));
        if (passwordProtected)
        {
            // RC4 CryptoAPI-free "standard RC4" header with a random salt and verifier: no password matches it.
            var filepass = new byte[54];
            BinaryPrimitives.WriteUInt16LittleEndian(filepass, 1); // RC4
            BinaryPrimitives.WriteUInt16LittleEndian(filepass.AsSpan(2), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(filepass.AsSpan(4), 1);
            for (var i = 6; i < filepass.Length; i++)
            {
                filepass[i] = (byte)(i * 7);
            }

            Record(globals, 0x002F, filepass);
        }

        Record(globals, 0x0042, [0xB0, 0x04]); // CODEPAGE 1200
        var boundSheetOffset = globals.Length;
        var nameBytes = Encoding.Unicode.GetBytes(sheetName);
        var boundSheet = new byte[8 + nameBytes.Length];
        boundSheet[6] = (byte)sheetName.Length;
        boundSheet[7] = 1; // UTF-16
        nameBytes.CopyTo(boundSheet, 8);
        Record(globals, 0x0085, boundSheet);
        Record(globals, 0x000A, []);

        var sheet = new MemoryStream();
        Record(sheet, 0x0809, Bof(0x0010));
        var list = cells.ToList();
        var dimensions = new byte[14];
        BinaryPrimitives.WriteUInt32LittleEndian(dimensions.AsSpan(4), (uint)(list.Max(c => c.Row) + 1));
        BinaryPrimitives.WriteUInt16LittleEndian(dimensions.AsSpan(10), (ushort)(list.Max(c => c.Column) + 1));
        Record(sheet, 0x0200, dimensions);
        foreach (var (row, column, value) in list)
        {
            var prefix = new byte[6];
            BinaryPrimitives.WriteUInt16LittleEndian(prefix, (ushort)row);
            BinaryPrimitives.WriteUInt16LittleEndian(prefix.AsSpan(2), (ushort)column);
            if (value is string text)
            {
                var chars = Encoding.Unicode.GetBytes(text);
                var data = new byte[6 + 3 + chars.Length];
                prefix.CopyTo(data, 0);
                BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(6), (ushort)text.Length);
                data[8] = 1;
                chars.CopyTo(data, 9);
                Record(sheet, 0x0204, data);
            }
            else
            {
                var data = new byte[14];
                prefix.CopyTo(data, 0);
                BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(6), Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                Record(sheet, 0x0203, data);
            }
        }

        Record(sheet, 0x000A, []);

        var bytes = globals.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)boundSheetOffset + 4), (uint)bytes.Length);
        return [.. bytes, .. sheet.ToArray()];
    }

    private static byte[] Bof(ushort type)
    {
        var bof = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(bof, 0x0600);
        BinaryPrimitives.WriteUInt16LittleEndian(bof.AsSpan(2), type);
        BinaryPrimitives.WriteUInt16LittleEndian(bof.AsSpan(4), 0x0DBB);
        BinaryPrimitives.WriteUInt16LittleEndian(bof.AsSpan(6), 0x07CC);
        return bof;
    }

    private static void Record(Stream stream, ushort type, byte[] data)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header, type);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], (ushort)data.Length);
        stream.Write(header);
        stream.Write(data);
    }
}
