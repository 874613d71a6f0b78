using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using Bogus;
using Shangding.Core.Intake;
using Shangding.Core.Subjects;

namespace Shangding.Bench;

/// <summary>
/// A realistic water-arrears file as a clerk would upload it: the template's header rows, then one row
/// per person with a unique, valid resident ID number, a Chinese name, an address, dates and amounts.
/// </summary>
internal static class DataGenerator
{
    private static readonly string[] Districts = ["410102", "410103", "410104", "410105", "410106", "410108", "410122", "410181", "410182", "410183", "410184", "410185"];

    public static IEnumerable<string[]> Rows(int count, int seed)
    {
        var category = Program.Catalog.Find("P-ARREARS-WATER")!;
        var columns = IntakeColumns.For(category).Where(c => c.Code != IntakeColumns.Action).ToList();
        yield return columns.Select(c => c.NameZh + (c.Required ? "*" : "")).ToArray();
        yield return columns.Select(c => c.Code).ToArray();

        Randomizer.Seed = new Random(seed);
        var faker = new Faker("zh_CN");
        var random = new Random(seed);
        var streets = Enumerable.Range(0, 500).Select(_ => faker.Address.StreetName()).ToArray();
        var surnames = Enumerable.Range(0, 300).Select(_ => faker.Name.LastName()).Distinct().ToArray();
        var given = Enumerable.Range(0, 3000).Select(_ => faker.Name.FirstName()).Distinct().ToArray();
        var birthBase = new DateOnly(1950, 1, 1);
        for (var i = 0; i < count; i++)
        {
            var birth = birthBase.AddDays(i % 20_000);
            var sequence = (i / 20_000) % 1000;
            var district = Districts[(i / 20_000_000) % Districts.Length];
            var first17 = string.Create(CultureInfo.InvariantCulture, $"{district}{birth:yyyyMMdd}{sequence:000}");
            var id = first17 + ResidentIdNumber.ComputeCheckDigit(first17);
            var from = new DateOnly(2024, 1, 1).AddDays(random.Next(0, 600));
            var to = from.AddDays(random.Next(30, 200));
            if (to > new DateOnly(2026, 2, 28))
            {
                to = new DateOnly(2026, 2, 28);
            }

            yield return
            [
                string.Create(CultureInfo.InvariantCulture, $"W-{i + 1:0000000}"),
                surnames[random.Next(surnames.Length)] + given[random.Next(given.Length)],
                "居民身份证",
                id,
                string.Create(CultureInfo.InvariantCulture, $"郑州市{streets[random.Next(streets.Length)]}{random.Next(1, 400)}号{random.Next(1, 30)}单元{random.Next(101, 2899)}"),
                from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                (random.Next(5, 900) / 10m).ToString(CultureInfo.InvariantCulture),
                (random.Next(1000, 500_000) / 100m).ToString(CultureInfo.InvariantCulture),
                "市自来水公司",
                to.AddDays(random.Next(1, 10)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                random.Next(10) == 0 ? "已电话催缴" : "",
            ];
        }
    }

    public static void WriteCsv(string path, int count, int seed)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(true));
        foreach (var row in Rows(count, seed))
        {
            writer.WriteLine(string.Join(',', row.Select(Quote)));
        }

        static string Quote(string value) => value.Contains(',', StringComparison.Ordinal) || value.Contains('"', StringComparison.Ordinal)
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>An .xlsx as Excel writes it: every text in the shared-strings table, dates as date-styled serials.</summary>
    public static void WriteXlsx(string path, int count, int seed)
    {
        var strings = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        int Index(string s)
        {
            if (!strings.TryGetValue(s, out var i))
            {
                i = order.Count;
                strings[s] = i;
                order.Add(s);
            }

            return i;
        }

        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), CloseOutput = true };
        const string Ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        var dateColumns = new HashSet<int> { 5, 6, 10 };
        var epoch = new DateOnly(1899, 12, 30);
        using (var sheet = XmlWriter.Create(zip.CreateEntry("xl/worksheets/sheet1.xml", CompressionLevel.Fastest).Open(), settings))
        {
            sheet.WriteStartElement("worksheet", Ns);
            sheet.WriteStartElement("sheetData", Ns);
            var r = 0;
            foreach (var row in Rows(count, seed))
            {
                r++;
                sheet.WriteStartElement("row", Ns);
                sheet.WriteAttributeString("r", r.ToString(CultureInfo.InvariantCulture));
                for (var c = 0; c < row.Length; c++)
                {
                    if (row[c].Length == 0)
                    {
                        continue;
                    }

                    sheet.WriteStartElement("c", Ns);
                    sheet.WriteAttributeString("r", (char)('A' + c) + r.ToString(CultureInfo.InvariantCulture));
                    if (r > 2 && dateColumns.Contains(c))
                    {
                        sheet.WriteAttributeString("s", "1");
                        var serial = DateOnly.ParseExact(row[c], "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber - epoch.DayNumber;
                        sheet.WriteElementString("v", Ns, serial.ToString(CultureInfo.InvariantCulture));
                    }
                    else if (r > 2 && (c == 7 || c == 8))
                    {
                        sheet.WriteElementString("v", Ns, row[c]);
                    }
                    else
                    {
                        sheet.WriteAttributeString("t", "s");
                        sheet.WriteElementString("v", Ns, Index(row[c]).ToString(CultureInfo.InvariantCulture));
                    }

                    sheet.WriteEndElement();
                }

                sheet.WriteEndElement();
            }

            sheet.WriteEndElement();
            sheet.WriteEndElement();
        }

        using (var shared = XmlWriter.Create(zip.CreateEntry("xl/sharedStrings.xml", CompressionLevel.Fastest).Open(), settings))
        {
            shared.WriteStartElement("sst", Ns);
            shared.WriteAttributeString("count", order.Count.ToString(CultureInfo.InvariantCulture));
            shared.WriteAttributeString("uniqueCount", order.Count.ToString(CultureInfo.InvariantCulture));
            foreach (var s in order)
            {
                shared.WriteStartElement("si", Ns);
                shared.WriteElementString("t", Ns, s);
                shared.WriteEndElement();
            }

            shared.WriteEndElement();
        }

        Entry(zip, "[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>
            """);
        Entry(zip, "_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """);
        Entry(zip, "xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>
            """);
        Entry(zip, "xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>
            """);
        Entry(zip, "xl/styles.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>
            """);
    }

    private static void Entry(ZipArchive zip, string name, string content)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false));
        writer.Write(content.Trim());
    }
}
