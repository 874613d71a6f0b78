using System.Security.Cryptography;
using Shangding.Core.Data;

namespace Shangding.Core.Remedies;

/// <summary>A file a person uploaded, before it is checked.</summary>
public sealed record EvidenceUpload(string FileName, byte[] Content);

/// <summary>
/// Checks evidence files by what they are, not by what they are called: the first bytes must be
/// those of a PDF, JPEG or PNG, and the size within the configured limit.
/// </summary>
public static class EvidenceFiles
{
    public const string Field = "files";

    private static readonly byte[] Pdf = "%PDF-"u8.ToArray();
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The content type the bytes show, or null when they are none of the accepted kinds.</summary>
    public static string? Sniff(ReadOnlySpan<byte> content) =>
        content.StartsWith(Pdf) ? "application/pdf"
        : content.StartsWith(Png) ? "image/png"
        : content.StartsWith(Jpeg) ? "image/jpeg"
        : null;

    /// <summary>Checks every file and turns it into a stored file of <paramref name="ownerKind"/>; throws on the first bad one.</summary>
    public static List<RemedyFile> Check(IReadOnlyList<EvidenceUpload> uploads, RemediesOptions options, string ownerKind, DateTime now, bool required = false)
    {
        if (required && uploads.Count == 0)
        {
            throw new RemedyException(Field, "请上传至少一份证明材料（PDF、JPG 或 PNG）。", "Upload at least one proof file (PDF, JPG or PNG).");
        }

        if (uploads.Count > options.MaxFiles)
        {
            throw new RemedyException(Field, $"最多上传 {options.MaxFiles} 个文件。", $"Upload at most {options.MaxFiles} files.");
        }

        var files = new List<RemedyFile>();
        foreach (var upload in uploads)
        {
            var name = Path.GetFileName(upload.FileName.Replace('\\', '/'));
            if (name.Length > 200)
            {
                name = name[^200..];
            }

            if (upload.Content.Length == 0)
            {
                throw new RemedyException(Field, $"文件“{name}”是空的。", $"The file '{name}' is empty.");
            }

            if (upload.Content.Length > options.MaxFileBytes)
            {
                var mb = options.MaxFileBytes / (1024.0 * 1024.0);
                throw new RemedyException(Field, $"文件“{name}”超过 {mb:0.#} MB 的上限。", $"The file '{name}' is larger than the {mb:0.#} MB limit.");
            }

            var type = Sniff(upload.Content)
                ?? throw new RemedyException(Field, $"文件“{name}”不是 PDF、JPG 或 PNG 文件。", $"The file '{name}' is not a PDF, JPG or PNG file.");
            files.Add(new RemedyFile
            {
                OwnerKind = ownerKind,
                FileName = name.Length == 0 ? "file" : name,
                ContentType = type,
                SizeBytes = upload.Content.Length,
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(upload.Content)),
                Content = upload.Content,
                UploadedAt = now,
            });
        }

        return files;
    }
}
