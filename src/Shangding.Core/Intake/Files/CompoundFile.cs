using System.Buffers.Binary;
using System.Text;

namespace Shangding.Core.Intake.Files;

/// <summary>
/// Just enough of the OLE compound file format (MS-CFB) to list the names of its directory entries:
/// an encrypted .xlsx is a compound file holding "EncryptionInfo" and "EncryptedPackage" streams, a
/// legacy .xls one holding "Workbook" (or "Book" for Excel 5/95), a Word .doc one holding "WordDocument".
/// </summary>
internal static class CompoundFile
{
    private const uint EndOfChain = 0xFFFFFFFE;
    private const uint MaxRegularSector = 0xFFFFFFFA;
    private const int MaxSectorsVisited = 100_000;

    public static bool HasSignature(ReadOnlySpan<byte> header) =>
        header.Length >= 8 && header[..8].SequenceEqual(new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 });

    /// <summary>Names of all directory entries; throws <see cref="InvalidDataException"/> for a broken file.</summary>
    public static List<string> ReadDirectoryNames(Stream stream)
    {
        var header = new byte[512];
        stream.Position = 0;
        stream.ReadExactly(header);
        var sectorShift = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x1E));
        if (sectorShift is not (9 or 12))
        {
            throw new InvalidDataException("Bad sector size");
        }

        var sectorSize = 1 << sectorShift;
        var fatSectorCount = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(0x2C));
        var firstDirectorySector = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(0x30));
        var firstDifatSector = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(0x44));

        var fatSectors = new List<uint>();
        for (var i = 0; i < 109 && fatSectors.Count < fatSectorCount; i++)
        {
            fatSectors.Add(BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(0x4C + (i * 4))));
        }

        var sector = new byte[sectorSize];
        var difat = firstDifatSector;
        for (var visited = 0; difat <= MaxRegularSector && fatSectors.Count < fatSectorCount; visited++)
        {
            if (visited > MaxSectorsVisited)
            {
                throw new InvalidDataException("DIFAT loop");
            }

            ReadSector(stream, difat, sectorShift, sector);
            var perSector = (sectorSize / 4) - 1;
            for (var i = 0; i < perSector && fatSectors.Count < fatSectorCount; i++)
            {
                fatSectors.Add(BinaryPrimitives.ReadUInt32LittleEndian(sector.AsSpan(i * 4)));
            }

            difat = BinaryPrimitives.ReadUInt32LittleEndian(sector.AsSpan(sectorSize - 4));
        }

        var names = new List<string>();
        var fatSector = new byte[sectorSize];
        var entriesPerFatSector = sectorSize / 4;
        var current = firstDirectorySector;
        for (var visited = 0; current <= MaxRegularSector; visited++)
        {
            if (visited > MaxSectorsVisited)
            {
                throw new InvalidDataException("Directory loop");
            }

            ReadSector(stream, current, sectorShift, sector);
            for (var offset = 0; offset + 128 <= sectorSize; offset += 128)
            {
                var nameBytes = BinaryPrimitives.ReadUInt16LittleEndian(sector.AsSpan(offset + 0x40));
                if (nameBytes is >= 2 and <= 64)
                {
                    names.Add(Encoding.Unicode.GetString(sector, offset, nameBytes - 2));
                }
            }

            var fatIndex = (int)(current / (uint)entriesPerFatSector);
            if (fatIndex >= fatSectors.Count)
            {
                throw new InvalidDataException("FAT too short");
            }

            ReadSector(stream, fatSectors[fatIndex], sectorShift, fatSector);
            current = BinaryPrimitives.ReadUInt32LittleEndian(fatSector.AsSpan((int)(current % (uint)entriesPerFatSector) * 4));
        }

        if (current != EndOfChain && names.Count == 0)
        {
            throw new InvalidDataException("Bad directory chain");
        }

        return names;
    }

    private static void ReadSector(Stream stream, uint sector, int sectorShift, byte[] buffer)
    {
        var offset = ((long)sector + 1) << sectorShift;
        if (sector > MaxRegularSector || offset + buffer.Length > stream.Length)
        {
            throw new InvalidDataException("Sector out of range");
        }

        stream.Position = offset;
        stream.ReadExactly(buffer);
    }
}
