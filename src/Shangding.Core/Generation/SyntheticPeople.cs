using System.Globalization;
using Shangding.Core.Subjects;

namespace Shangding.Core.Generation;

/// <summary>
/// Fictitious but realistic residents: resident ID numbers (GB 11643) with real area codes
/// (GB/T 2260; mostly Zhengzhou, then the rest of Henan, a few from elsewhere), plausible ages and
/// check digits, and Chinese names drawn by surname frequency with given names that fit the sex
/// the ID number encodes.
/// </summary>
public static class SyntheticPeople
{
    /// <summary>Area codes with weights: Zhengzhou's districts and counties, other Henan cities, other provinces.</summary>
    internal static readonly (string Code, string Place, int Weight)[] Areas =
    [
        ("410102", "郑州市中原区", 90), ("410103", "郑州市二七区", 80), ("410104", "郑州市管城回族区", 60), ("410105", "郑州市金水区", 130),
        ("410106", "郑州市上街区", 12), ("410108", "郑州市惠济区", 30), ("410122", "中牟县", 35), ("410181", "巩义市", 30),
        ("410182", "荥阳市", 28), ("410183", "新密市", 28), ("410184", "新郑市", 35), ("410185", "登封市", 25),
        ("410202", "开封市龙亭区", 8), ("410302", "洛阳市老城区", 8), ("410305", "洛阳市涧西区", 9), ("410402", "平顶山市新华区", 7),
        ("410502", "安阳市文峰区", 7), ("410702", "新乡市红旗区", 8), ("411002", "许昌市魏都区", 8), ("411102", "漯河市源汇区", 5),
        ("411302", "南阳市宛城区", 9), ("411402", "商丘市梁园区", 8), ("411502", "信阳市浉河区", 7), ("411602", "周口市川汇区", 9),
        ("411702", "驻马店市驿城区", 8), ("110105", "北京市朝阳区", 3), ("310115", "上海市浦东新区", 2), ("420106", "武汉市武昌区", 3),
        ("370102", "济南市历下区", 2), ("130102", "石家庄市长安区", 2), ("340104", "合肥市蜀山区", 2), ("610113", "西安市雁塔区", 3),
        ("440305", "深圳市南山区", 2),
    ];

    // The most common surnames in rough order of frequency (the first ten cover about 40 % of people).
    private static readonly string[] Surnames =
    [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗",
        "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
        "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
        "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
        "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "武", "戴", "莫", "孔", "向", "汤", "常",
        "欧阳", "司马", "诸葛", "上官",
    ];

    private static readonly string[] MaleChars =
    [
        "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宇", "浩",
        "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "阳", "建", "国", "志", "文", "亮", "峰", "海", "成", "东", "振",
        "晨", "博", "子", "天", "家", "嘉", "一", "泽", "睿", "铭", "昊", "轩", "航", "毅", "新", "永", "庆", "德", "春", "金",
    ];

    private static readonly string[] FemaleChars =
    [
        "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "婷", "雪", "慧", "莹", "洁", "琳", "欣", "颖", "倩", "梅",
        "兰", "红", "萍", "燕", "晶", "佳", "悦", "思", "雨", "涵", "怡", "可", "诗", "梦", "瑶", "萱", "彤", "丹", "华", "文",
        "子", "晓", "美", "春", "月", "桂", "英", "淑", "凤", "琴", "宁", "欢", "馨", "妍", "一", "心", "蕾", "薇", "璐", "露",
    ];

    private static readonly int[] AreaCumulative = Cumulative(Areas.Select(a => a.Weight));
    private static readonly int[] SurnameCumulative = Cumulative(Surnames.Select((_, i) => Math.Max(1, (int)(1000.0 / Math.Pow(i + 1, 0.9)))));

    /// <summary>One person's identity: area, birth date, the three-digit sequence (its last digit encodes the sex).</summary>
    public readonly record struct Identity(int Area, DateOnly BirthDate, int Sequence)
    {
        public bool Male => Sequence % 2 == 1;

        public string IdNumber()
        {
            var first17 = string.Create(CultureInfo.InvariantCulture, $"{Areas[Area].Code}{BirthDate:yyyyMMdd}{Sequence:000}");
            return first17 + ResidentIdNumber.ComputeCheckDigit(first17);
        }

        internal long Pack() => ((long)Area << 40) | ((long)BirthDate.DayNumber << 10) | (uint)Sequence;
    }

    /// <summary>
    /// <paramref name="count"/> distinct identities, deterministic for <paramref name="seed"/>: about 3 % are
    /// minors (12–17), the adults' ages spread from 18 to 90, most of them between 25 and 65.
    /// </summary>
    public static Identity[] Identities(int count, int seed, DateOnly today)
    {
        var random = new Random(seed);
        var result = new Identity[count];
        var used = new HashSet<long>(count);
        for (var i = 0; i < count;)
        {
            var area = Pick(AreaCumulative, random);
            int age;
            if (random.Next(100) < 3)
            {
                age = random.Next(12, 18);
            }
            else
            {
                // Two uniforms make a triangle peaking in the middle years.
                age = 18 + (random.Next(0, 37) + random.Next(0, 37));
            }

            var birth = today.AddYears(-age).AddDays(-random.Next(0, 365));
            var identity = new Identity(area, birth, random.Next(0, 1000));
            if (used.Add(identity.Pack()))
            {
                result[i++] = identity;
            }
        }

        return result;
    }

    /// <summary>A realistic Chinese name fitting the sex: a surname by frequency and one or two given-name characters.</summary>
    public static string Name(Random random, bool male)
    {
        var chars = male ? MaleChars : FemaleChars;
        var surname = Surnames[Pick(SurnameCumulative, random)];
        var first = chars[random.Next(chars.Length)];
        if (random.Next(100) < 28)
        {
            return surname + first;
        }

        var second = chars[random.Next(chars.Length)];
        return second == first && random.Next(3) > 0 ? surname + first + chars[random.Next(chars.Length)] : surname + first + second;
    }

    internal static int[] Cumulative(IEnumerable<int> weights)
    {
        var list = new List<int>();
        var sum = 0;
        foreach (var w in weights)
        {
            sum += w;
            list.Add(sum);
        }

        return [.. list];
    }

    internal static int Pick(int[] cumulative, Random random)
    {
        var x = random.Next(cumulative[^1]);
        var index = Array.BinarySearch(cumulative, x + 1);
        return index >= 0 ? index : ~index;
    }
}
