using System.Text.RegularExpressions;

namespace Shangding.Core.Catalog;

/// <summary>The groups of data that seed 003 §9 forbids the platform to collect.</summary>
public enum ProhibitedDataKind
{
    /// <summary>§9(一) 种族、民族</summary>
    RaceOrEthnicity,

    /// <summary>§9(一) 家庭出身</summary>
    FamilyOrigin,

    /// <summary>§9(一) 宗教信仰</summary>
    Religion,

    /// <summary>§9(二) 基因</summary>
    Genes,

    /// <summary>§9(二) 指纹</summary>
    Fingerprints,

    /// <summary>§9(二) 血型</summary>
    BloodType,

    /// <summary>§9(二) 疾病和病史</summary>
    DiseaseOrMedicalHistory,

    /// <summary>§9(三) 收入 — allowed with written consent.</summary>
    Income,

    /// <summary>§9(三) 存款 — allowed with written consent.</summary>
    Deposits,

    /// <summary>§9(三) 有价证券 — allowed with written consent.</summary>
    Securities,

    /// <summary>§9(三) 商业保险 — allowed with written consent.</summary>
    CommercialInsurance,

    /// <summary>§9(三) 不动产 — allowed with written consent.</summary>
    RealEstate,

    /// <summary>§9(三) 纳税数额 — allowed with written consent. Not tax arrears (欠税).</summary>
    TaxAmountPaid,
}

/// <summary>Why a field code or column header asks for prohibited data.</summary>
/// <param name="Keyword">The keyword that matched.</param>
/// <param name="WaivableByConsent">True for the §9(三) group, which written consent allows.</param>
public sealed record ProhibitedDataMatch(
    ProhibitedDataKind Kind,
    string Keyword,
    string ReasonZh,
    string ReasonEn,
    bool WaivableByConsent);

/// <summary>
/// Keyword lists for the data seed 003 §9 forbids. The catalogue loader refuses category fields
/// that match; intake reuses <see cref="Match(string, bool)"/> to refuse such columns.
/// </summary>
/// <remarks>
/// Chinese keywords match as substrings; English keywords and field codes match as whole words
/// (so "gene" does not match "general", "race" not "trace"). Keywords are deliberately narrow
/// where a broad word would catch lawful data: 献血 (blood donation) is not 血型 (blood type);
/// 欠税余额 (tax arrears, the debt a penalty is about) is not 纳税数额 (tax paid); 社会保险
/// (social insurance contributions an employer owes) is not 商业保险; 拖欠工资 (wages an employer
/// owes) is not the person's income.
/// </remarks>
public static class ProhibitedData
{
    private sealed record Rule(ProhibitedDataKind Kind, string ReasonZh, string ReasonEn, bool Waivable, string[] Zh, string[] En);

    private static readonly Rule[] Rules =
    [
        new(ProhibitedDataKind.RaceOrEthnicity, "禁止征集个人的种族、民族信息（《郑州市公共信用信息管理暂行办法》第九条第（一）项）", "race or ethnicity may not be collected (Zhengzhou Interim Measures for Public Credit Information, art. 9(1))", false,
            ["种族", "民族"], ["race", "racial", "ethnicity", "ethnic", "ethnic group"]),
        new(ProhibitedDataKind.FamilyOrigin, "禁止征集个人的家庭出身信息（《郑州市公共信用信息管理暂行办法》第九条第（一）项）", "family origin may not be collected (Zhengzhou Interim Measures for Public Credit Information, art. 9(1))", false,
            ["家庭出身", "家庭成分", "出身"], ["family origin", "family background", "class origin"]),
        new(ProhibitedDataKind.Religion, "禁止征集个人的宗教信仰信息（《郑州市公共信用信息管理暂行办法》第九条第（一）项）", "religion may not be collected (Zhengzhou Interim Measures for Public Credit Information, art. 9(1))", false,
            ["宗教", "信仰"], ["religion", "religious", "religious belief"]),
        new(ProhibitedDataKind.Genes, "禁止征集个人的基因信息（《郑州市公共信用信息管理暂行办法》第九条第（二）项）", "genetic data may not be collected (Zhengzhou Interim Measures for Public Credit Information, art. 9(2))", false,
            ["基因"], ["gene", "genes", "genetic", "genome", "dna"]),
        new(ProhibitedDataKind.Fingerprints, "禁止征集个人的指纹信息（《郑州市公共信用信息管理暂行办法》第九条第（二）项）", "fingerprints may not be collected (Zhengzhou Interim Measures for Public Credit Information, art. 9(2))", false,
            ["指纹"], ["fingerprint", "fingerprints", "finger print"]),
        new(ProhibitedDataKind.BloodType, "禁止征集个人的血型信息（《郑州市公共信用信息管理暂行办法》第九条第（二）项）", "blood type may not be collected (Zhengzhou Interim Measures for Public Credit Information, art. 9(2))", false,
            ["血型"], ["blood type", "blood group", "bloodtype", "abo"]),
        new(ProhibitedDataKind.DiseaseOrMedicalHistory, "禁止征集个人的疾病和病史信息（《郑州市公共信用信息管理暂行办法》第九条第（二）项）", "disease and medical history may not be collected (Zhengzhou Interim Measures for Public Credit Information, art. 9(2))", false,
            ["疾病", "病史", "病情", "病历", "诊断", "既往史"], ["disease", "diseases", "illness", "medical history", "medical record", "medical records", "diagnosis", "health condition"]),
        new(ProhibitedDataKind.Income, "未经信息主体书面同意，禁止征集个人的收入信息（《郑州市公共信用信息管理暂行办法》第九条第（三）项）", "income may not be collected without the subject's written consent (Zhengzhou Interim Measures for Public Credit Information, art. 9(3))", true,
            ["收入", "薪资", "薪酬", "月薪", "年薪"], ["income", "salary", "earnings"]),
        new(ProhibitedDataKind.Deposits, "未经信息主体书面同意，禁止征集个人的存款信息（《郑州市公共信用信息管理暂行办法》第九条第（三）项）", "deposits may not be collected without the subject's written consent (Zhengzhou Interim Measures for Public Credit Information, art. 9(3))", true,
            ["存款"], ["deposit", "deposits", "savings", "bank balance"]),
        new(ProhibitedDataKind.Securities, "未经信息主体书面同意，禁止征集个人的有价证券信息（《郑州市公共信用信息管理暂行办法》第九条第（三）项）", "securities may not be collected without the subject's written consent (Zhengzhou Interim Measures for Public Credit Information, art. 9(3))", true,
            ["有价证券", "证券", "股票", "债券"], ["securities", "stock holdings", "shareholdings"]),
        new(ProhibitedDataKind.CommercialInsurance, "未经信息主体书面同意，禁止征集个人的商业保险信息（《郑州市公共信用信息管理暂行办法》第九条第（三）项）", "commercial insurance may not be collected without the subject's written consent (Zhengzhou Interim Measures for Public Credit Information, art. 9(3))", true,
            ["商业保险", "商业险"], ["commercial insurance", "life insurance", "insurance policy"]),
        new(ProhibitedDataKind.RealEstate, "未经信息主体书面同意，禁止征集个人的不动产信息（《郑州市公共信用信息管理暂行办法》第九条第（三）项）", "real estate may not be collected without the subject's written consent (Zhengzhou Interim Measures for Public Credit Information, art. 9(3))", true,
            ["不动产", "房产", "房屋产权", "房地产"], ["real estate", "real property", "realty", "property ownership"]),
        new(ProhibitedDataKind.TaxAmountPaid, "未经信息主体书面同意，禁止征集个人的纳税数额信息（《郑州市公共信用信息管理暂行办法》第九条第（三）项）", "amounts of tax paid may not be collected without the subject's written consent (Zhengzhou Interim Measures for Public Credit Information, art. 9(3))", true,
            ["纳税数额", "纳税额", "纳税金额", "缴税额", "缴税金额", "缴纳税额", "完税金额"], ["tax paid", "taxes paid", "tax payment", "tax payments", "tax amount paid", "amount of tax paid"]),
    ];

    private static readonly (Rule Rule, string Keyword, Regex Pattern)[] EnglishPatterns =
        [.. Rules.SelectMany(r => r.En.Select(k => (r, k, new Regex(
            @"(?<![a-z0-9])" + Regex.Escape(k).Replace(@"\ ", " ", StringComparison.Ordinal) + @"(?![a-z0-9])",
            RegexOptions.CultureInvariant | RegexOptions.Compiled))))];

    /// <summary>The data kinds that written consent (书面同意) makes collectable.</summary>
    public static IReadOnlyList<ProhibitedDataKind> ConsentWaivable { get; } =
        [.. Rules.Where(r => r.Waivable).Select(r => r.Kind)];

    /// <summary>
    /// Checks a field code, a Chinese or English field name or a column header. Returns null when
    /// it asks for nothing prohibited, or when it asks for §9(三) data and consent is recorded.
    /// </summary>
    public static ProhibitedDataMatch? Match(string codeOrHeader, bool consentRecorded)
    {
        if (string.IsNullOrWhiteSpace(codeOrHeader))
        {
            return null;
        }

        foreach (var rule in Rules)
        {
            if (rule.Waivable && consentRecorded)
            {
                continue;
            }

            foreach (var keyword in rule.Zh)
            {
                if (codeOrHeader.Contains(keyword, StringComparison.Ordinal))
                {
                    return ToMatch(rule, keyword);
                }
            }
        }

        var normalised = Normalise(codeOrHeader);
        foreach (var (rule, keyword, pattern) in EnglishPatterns)
        {
            if (rule.Waivable && consentRecorded)
            {
                continue;
            }

            if (pattern.IsMatch(normalised))
            {
                return ToMatch(rule, keyword);
            }
        }

        return null;
    }

    private static ProhibitedDataMatch ToMatch(Rule rule, string keyword) =>
        new(rule.Kind, keyword, rule.ReasonZh, rule.ReasonEn, rule.Waivable);

    // snake_case, kebab-case and camelCase all become space-separated lower-case words.
    private static string Normalise(string text)
    {
        var spaced = Regex.Replace(text, "(?<=[a-z0-9])(?=[A-Z])", " ", RegexOptions.CultureInvariant);
        spaced = spaced.Replace('_', ' ').Replace('-', ' ').ToLowerInvariant();
        return Regex.Replace(spaced, @"\s+", " ", RegexOptions.CultureInvariant).Trim();
    }
}
