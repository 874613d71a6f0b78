using Shangding.Core.Catalog;

namespace Shangding.Core.Tests.Catalog;

public sealed class CatalogLoaderRefusalTests : IDisposable
{
    private readonly TempCatalog _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Field(string yaml) => $"      - {{{yaml}}}\n";

    [Fact]
    public void Load_AcceptsAMinimalValidCategory()
    {
        var catalog = _temp.WithCategories("a.yaml", TempCatalog.PersonCategory()).Load();

        var category = catalog.Find("P-TEST").ShouldNotBeNull();
        category.SourceFile.ShouldEndWith("categories/a.yaml");
        category.Fields.Count.ShouldBe(4);
        category.WrittenConsentRecorded.ShouldBeFalse();
    }

    [Fact]
    public void Load_RefusesDuplicateCategoryCodeAcrossFiles_NamingBothFiles()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory("P-DUP"))
            .WithCategories("b.yaml", TempCatalog.PersonCategory("P-DUP"));

        var ex = _temp.LoadFails();

        ex.Message.ShouldContain("duplicate category code 'P-DUP'");
        ex.Message.ShouldContain("categories/a.yaml:2");
        ex.FilePath.ShouldNotBeNull().ShouldEndWith("categories/b.yaml");
        ex.Line.ShouldBe(2);
    }

    [Fact]
    public void Load_RefusesDuplicateFieldCode_NamingFileAndField()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(extraFields: Field("code: name, zh: 名字, en: Name again, type: text")));

        var ex = _temp.LoadFails();

        ex.Message.ShouldContain("categories/a.yaml:");
        ex.Message.ShouldContain("duplicate field code 'name' in category P-TEST");
    }

    [Fact]
    public void Load_RefusesUnknownFieldType_NamingFileLineAndType()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(extraFields: Field("code: photo, zh: 照片, en: Photo, type: picture")));

        var ex = _temp.LoadFails();

        ex.Message.ShouldContain("categories/a.yaml:21:");
        ex.Message.ShouldContain("unknown type 'picture'");
        ex.Message.ShouldContain("plate_number");
    }

    [Theory]
    [InlineData("polarity: good", "polarity: fine", "unknown polarity 'fine'")]
    [InlineData("info_class: B", "info_class: D", "unknown info_class 'D'")]
    [InlineData("subject_kind: person", "subject_kind: robot", "unknown subject_kind 'robot'")]
    [InlineData("dimension: social_morality", "dimension: wealth", "unknown dimension 'wealth'")]
    [InlineData("collection_cycle: realtime", "collection_cycle: hourly", "unknown collection_cycle 'hourly'")]
    [InlineData("responsible_units: [CIVILISATION-OFFICE]", "responsible_units: [NO-SUCH-UNIT]", "unknown unit code 'NO-SUCH-UNIT'")]
    [InlineData("source: \"test\"", "sauce: \"test\"", "unknown key 'sauce'")]
    [InlineData("code: P-TEST", "code: p_test", "category code 'p_test' must be uppercase")]
    public void Load_RefusesUnknownValues_NamingFileAndValue(string valid, string invalid, string expected)
    {
        _temp.WithFile("categories/a.yaml", ("categories:\n" + TempCatalog.PersonCategory()).Replace(valid, invalid, StringComparison.Ordinal));

        var ex = _temp.LoadFails();

        ex.Message.ShouldContain("categories/a.yaml:");
        ex.Message.ShouldContain(expected);
    }

    [Fact]
    public void Load_RefusesSeverityOfUnknownValue()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(polarity: "bad", severity: "catastrophic", dimension: "law_compliance"));

        _temp.LoadFails().Message.ShouldContain("unknown severity 'catastrophic'");
    }

    [Fact]
    public void Load_RefusesEnumFieldWithoutAllowedValues()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(extraFields: Field("code: level, zh: 等级, en: Level, type: enum")));

        var ex = _temp.LoadFails();

        ex.Message.ShouldContain("categories/a.yaml:21:");
        ex.Message.ShouldContain("field 'level' of category P-TEST is an enum field without allowed values");
    }

    [Fact]
    public void Load_RefusesEnumFieldNamingAnUnknownEnumeration()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(extraFields: Field("code: level, zh: 等级, en: Level, type: enum, values: colours")));

        _temp.LoadFails().Message.ShouldContain("unknown enumeration 'colours'");
    }

    [Fact]
    public void Load_ResolvesNamedAndInlineEnumerations()
    {
        var catalog = _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(extraFields:
            Field("code: level, zh: 荣誉等级, en: Level, type: enum, values: honour_levels")
            + Field("code: colour, zh: 颜色, en: Colour, type: enum, values: [红, 黑]"))).Load();

        var category = catalog.Find("P-TEST").ShouldNotBeNull();
        category.FindField("level")!.AllowedValues.ShouldBe(["区县级", "市级", "省级", "国家级"]);
        category.FindField("colour")!.AllowedValues.ShouldBe(["红", "黑"]);
        category.FindField("rated_on")!.AllowedValues.ShouldBeEmpty();
    }

    [Fact]
    public void Load_RefusesValuesOnAFieldThatIsNotAnEnum()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(extraFields: Field("code: note, zh: 备注, en: Note, type: text, values: [a]")));

        _temp.LoadFails().Message.ShouldContain("only enum fields take 'values'");
    }

    [Fact]
    public void Load_RefusesCategoryWithoutSubjectIdField()
    {
        var yaml = TempCatalog.PersonCategory().Replace("    subject_id_field: id_number\n", string.Empty, StringComparison.Ordinal);
        _temp.WithCategories("a.yaml", yaml);

        var ex = _temp.LoadFails();

        ex.Message.ShouldContain("categories/a.yaml:2:");
        ex.Message.ShouldContain("does not say which field identifies the subject ('subject_id_field')");
    }

    [Fact]
    public void Load_RefusesSubjectFieldThatIsNotAField()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory().Replace("subject_id_field: id_number", "subject_id_field: passport", StringComparison.Ordinal));

        _temp.LoadFails().Message.ShouldContain("'subject_id_field' names 'passport', which is not a field of the category");
    }

    [Fact]
    public void Load_RefusesSubjectIdTypeFieldOfTheWrongType()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(idTypeType: "text"));

        _temp.LoadFails().Message.ShouldContain("'subject_id_type_field' field 'id_type' must be of type id_type");
    }

    [Fact]
    public void Load_RefusesBadRecordWithoutSeverity()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(polarity: "bad", dimension: "law_compliance"));

        var ex = _temp.LoadFails();

        ex.Message.ShouldContain("categories/a.yaml:2:");
        ex.Message.ShouldContain("bad record category without a severity");
    }

    [Fact]
    public void Load_RefusesSeverityOnAGoodRecord()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(severity: "minor"));

        _temp.LoadFails().Message.ShouldContain("only bad record categories have a severity");
    }

    [Fact]
    public void Load_RefusesPersonCategoryWithoutDimension()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(dimension: null));

        _temp.LoadFails().Message.ShouldContain("person category without a score dimension");
    }

    [Fact]
    public void Load_RefusesClassCWithoutQueryBodies()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory().Replace("info_class: B", "info_class: C", StringComparison.Ordinal));

        _temp.LoadFails().Message.ShouldContain("class C but names no bodies allowed to query it");
    }

    [Fact]
    public void Load_RefusesActDateFieldThatIsNotADate()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory().Replace("act_date_field: rated_on", "act_date_field: name", StringComparison.Ordinal));

        _temp.LoadFails().Message.ShouldContain("act_date_field 'name' must name a date or date_time field");
    }

    [Fact]
    public void Load_RefusesCategoryAskingForBloodType_NamingFileAndField()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(extraFields: Field("code: blood, zh: 血型, en: Blood, type: text")));

        var ex = _temp.LoadFails();

        ex.Message.ShouldContain("categories/a.yaml:21:");
        ex.Message.ShouldContain("field 'blood' of category P-TEST (血型) asks for prohibited data");
        ex.Message.ShouldContain("blood type");
        ex.Message.ShouldContain("art. 9(2)");
    }

    [Theory]
    [InlineData("code: ethnicity, zh: 民族, en: Ethnic group, type: text")]
    [InlineData("code: origin, zh: 家庭出身, en: Origin, type: text")]
    [InlineData("code: faith, zh: 宗教信仰, en: Faith, type: text")]
    [InlineData("code: gene_test, zh: 检测, en: Test, type: text")]
    [InlineData("code: print, zh: 指纹, en: Print, type: text")]
    [InlineData("code: history, zh: 既往病史, en: History, type: text")]
    [InlineData("code: illness, zh: 患病情况, en: Disease, type: text")]
    [InlineData("code: deposits, zh: 存款余额, en: Deposits, type: money")]
    [InlineData("code: house, zh: 房产情况, en: Housing, type: text")]
    [InlineData("code: tax_paid, zh: 纳税数额, en: Tax paid, type: money")]
    [InlineData("code: policy, zh: 商业保险, en: Policy, type: text")]
    [InlineData("code: stocks, zh: 有价证券, en: Stocks, type: text")]
    public void Load_RefusesEveryProhibitedKindOfData(string field)
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(extraFields: Field(field)));

        _temp.LoadFails().Message.ShouldContain("asks for prohibited data");
    }

    [Fact]
    public void Load_RefusesIncomeWithoutWrittenConsent()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(extraFields: Field("code: monthly_income, zh: 月收入, en: Monthly income, type: money")));

        var ex = _temp.LoadFails();

        ex.Message.ShouldContain("categories/a.yaml:21:");
        ex.Message.ShouldContain("field 'monthly_income' of category P-TEST (月收入) asks for prohibited data");
        ex.Message.ShouldContain("written_consent_recorded: true");
    }

    [Fact]
    public void Load_AcceptsIncomeWhenWrittenConsentIsRecorded()
    {
        var catalog = _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(
            extraFields: Field("code: monthly_income, zh: 月收入, en: Monthly income, type: money"),
            extraKeys: "    written_consent_recorded: true\n")).Load();

        var category = catalog.Find("P-TEST").ShouldNotBeNull();
        category.WrittenConsentRecorded.ShouldBeTrue();
        category.FindField("monthly_income").ShouldNotBeNull();
    }

    [Fact]
    public void Load_RefusesBloodTypeEvenWithWrittenConsent()
    {
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(
            extraFields: Field("code: blood_type, zh: 血型, en: Blood type, type: text"),
            extraKeys: "    written_consent_recorded: true\n"));

        _temp.LoadFails().Message.ShouldContain("blood type may not be collected");
    }

    [Fact]
    public void Load_AcceptsTaxArrearsBalance_WhichIsNotTaxPaid()
    {
        var catalog = _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(polarity: "bad", severity: "general", dimension: "law_compliance",
            extraFields: Field("code: arrears_balance, zh: 欠税余额, en: Tax arrears balance (yuan), type: money"))).Load();

        catalog.Find("P-TEST")!.FindField("arrears_balance").ShouldNotBeNull();
    }

    [Fact]
    public void Load_AcceptsBloodDonationFields_WhichAreNotBloodType()
    {
        var catalog = _temp.WithCategories("a.yaml", TempCatalog.PersonCategory(
            extraFields: Field("code: donated_on, zh: 献血日期, en: Date of blood donation, type: date")
                + Field("code: donation_count, zh: 献血次数, en: Number of donations, type: integer"))).Load();

        catalog.Find("P-TEST")!.Fields.Count.ShouldBe(6);
    }

    [Fact]
    public void Load_RefusesInvalidYaml_NamingFileAndLine()
    {
        _temp.WithFile("categories/a.yaml", "categories:\n  - code: P-X\n    name_zh: [unclosed\n");

        var ex = _temp.LoadFails();

        ex.Message.ShouldContain("categories/a.yaml:");
        ex.Message.ShouldContain("not valid YAML");
        ex.Line.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Load_RefusesMissingVersionFile()
    {
        File.Delete(Path.Combine(_temp.Root, "VERSION"));
        _temp.WithCategories("a.yaml", TempCatalog.PersonCategory());

        _temp.LoadFails().Message.ShouldContain("VERSION: version file not found");
    }

    [Fact]
    public void Load_RefusesDuplicateUnitCode()
    {
        _temp.WithFile("units.yaml", "units:\n  - {code: A-UNIT, zh: 甲, en: A}\n  - {code: A-UNIT, zh: 乙, en: B}\n")
            .WithCategories("a.yaml", TempCatalog.PersonCategory());

        var ex = _temp.LoadFails();

        ex.Message.ShouldContain("units.yaml:3:");
        ex.Message.ShouldContain("duplicate unit code 'A-UNIT'");
    }

    [Fact]
    public void Load_RefusesOrganisationCategoryWithADimension()
    {
        const string org = """
              - code: O-TEST
                name_zh: 测试
                name_en: Test
                subject_kind: organisation
                polarity: good
                dimension: honour
                info_class: A
                responsible_units: [INDUSTRY-DEPTS]
                collection_cycle: monthly
                subject_name_field: name
                subject_id_field: uscc
                source: test
                fields:
                  - {code: name, zh: 名称, en: Name, type: name}
                  - {code: uscc, zh: 统一社会信用代码, en: USCC, type: uscc}

            """;
        _temp.WithCategories("a.yaml", org);

        _temp.LoadFails().Message.ShouldContain("score dimensions are for person categories only");
        _temp.WithCategories("a.yaml", org.Replace("    dimension: honour\n", string.Empty, StringComparison.Ordinal));
        _temp.Load().Find("O-TEST").ShouldNotBeNull().SubjectIdTypeField.ShouldBeEmpty();
    }
}
