using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Data;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Portals;

/// <summary>The unit's own records: found by key, name or ID number, corrected, withdrawn with a reason, restored (003 §11).</summary>
public sealed class UnitRecordsTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<IHtmlDocument> Parse(HttpResponseMessage response) =>
        new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));

    private static Dictionary<string, string> WaterRecord(string key, string name, string id) => UnitPortalTests.WaterRecord(key, name, id);

    /// <summary>The correction form of a record entered with <see cref="WaterRecord"/>: its editable fields, unchanged.</summary>
    private static Dictionary<string, string> CorrectionForm() =>
        UnitPortalTests.WaterRecord("", "", "").Where(f => f.Key is not ("record_key" or "name" or "id_type" or "id_number"))
            .ToDictionary(f => f.Key, f => f.Value);

    /// <summary>Stores a water-arrears record through the entry form; returns its record id from the link the success message gives.</summary>
    private static async Task<long> EnterAsync(PortalClient client, string key, string name, string id)
    {
        var page = await Parse(await client.PostFormAsync("/unit/entry/P-ARREARS-WATER", WaterRecord(key, name, id), Ct));
        var link = page.QuerySelector(".success a[href^='/unit/records/']");
        link.ShouldNotBeNull(page.QuerySelector(".error")?.TextContent ?? "no success message");
        return long.Parse(link.GetAttribute("href")!["/unit/records/".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task<HttpResponseMessage> PostRecordAsync(PortalClient client, long id, string handler, Dictionary<string, string> fields) =>
        client.PostFormAsync($"/unit/records/{id}?handler={handler}", fields, Ct, formPage: $"/unit/records/{id}");

    [Fact]
    public async Task AClerk_FindsARecordByIdNumber_WhichIsNeverInTheAddressOrThePage()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var id = TestPlatform.ResidentId(new DateOnly(1988, 8, 18), 412);
        await EnterAsync(client, "REC-FIND-1", "钱十一", id);
        await EnterAsync(client, "REC-FIND-2", "钱十一", id);

        var response = await client.PostFormAsync("/unit/records", new() { ["IdNumber"] = id }, Ct);
        response.RequestMessage!.RequestUri!.ToString().ShouldNotContain(id);
        var html = await response.Content.ReadAsStringAsync(Ct);
        html.ShouldNotContain(id);
        var page = new HtmlParser().ParseDocument(html);
        page.QuerySelectorAll("table.unit-records tbody tr code").Select(c => c.TextContent).Where(t => t.StartsWith("REC-FIND-", StringComparison.Ordinal))
            .ShouldBe(["REC-FIND-2", "REC-FIND-1"]);
        page.QuerySelectorAll("table.unit-records tbody tr").Length.ShouldBe(2); // only this person's records
        page.QuerySelector("main")!.TextContent.ShouldContain(Shangding.Core.Subjects.Masking.Mask(id));

        // By key prefix and by name, too.
        var byKey = await Parse(await client.PostFormAsync("/unit/records", new() { ["Key"] = "REC-FIND-" }, Ct));
        byKey.QuerySelectorAll("table.unit-records tbody tr").Length.ShouldBe(2);
        var byName = await Parse(await client.PostFormAsync("/unit/records", new() { ["Name"] = "钱十一" }, Ct));
        byName.QuerySelectorAll("table.unit-records tbody tr").Length.ShouldBe(2);
        var nobody = await Parse(await client.PostFormAsync("/unit/records", new() { ["Name"] = "查无此人" }, Ct));
        nobody.QuerySelector("main")!.TextContent.ShouldContain("没有符合条件的记录");
    }

    [Fact]
    public async Task AnIdSearch_WithAMistypedNumber_SaysWhatIsWrongWithIt_InEitherLanguage_WithoutShowingIt()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var id = TestPlatform.ResidentId(new DateOnly(1979, 9, 19), 516);
        await EnterAsync(client, "REC-TYPO-1", "冯十九", id);

        async Task<IHtmlDocument> SearchAsync(string number, string culture = "")
        {
            var html = await (await client.PostFormAsync("/unit/records" + culture, new() { ["IdNumber"] = number }, Ct, formPage: "/unit/records")).Content.ReadAsStringAsync(Ct);
            html.ShouldNotContain(number); // neither the number typed …
            html.ShouldNotContain(id); // … nor the one it was meant to be
            return new HtmlParser().ParseDocument(html);
        }

        var wrongCheckDigit = id[..17] + (id[17] == '1' ? "2" : "1");
        var page = await SearchAsync(wrongCheckDigit);
        page.QuerySelectorAll("table.unit-records tbody tr").Length.ShouldBe(0);
        page.QuerySelector(".id-problem")!.TextContent.ShouldContain("校验位错误");
        page.QuerySelector("main")!.TextContent.ShouldNotContain("没有符合条件的记录。名称须"); // the reason instead of the generic answer
        (await SearchAsync(id[..17])).QuerySelector(".id-problem")!.TextContent.ShouldContain("位数不对");
        (await SearchAsync(id[..6] + "19790231" + id[14..])).QuerySelector(".id-problem")!.TextContent.ShouldContain("出生日期（第 7–14 位）不是有效日期");
        (await SearchAsync(wrongCheckDigit, "?culture=en")).QuerySelector(".id-problem")!.TextContent
            .ShouldBe("Nothing was found for this ID number. The check digit of the ID number is wrong: check the last character (0–9 or X) and look for typing errors in the others.");

        // A valid number finds its records, and one of no one the unit furnished is answered as before: nothing is wrong with it.
        (await SearchAsync(id)).QuerySelector(".id-problem").ShouldBeNull();
        var nobody = await SearchAsync(TestPlatform.ResidentId(new DateOnly(1979, 9, 19), 518));
        nobody.QuerySelector(".id-problem").ShouldBeNull();
        nobody.QuerySelector("main")!.TextContent.ShouldContain("没有符合条件的记录");
    }

    [Fact]
    public async Task ARecordOfACategoryNoLongerInTheCatalogue_IsListedAndShown_ReadOnly_AndCannotBeChanged()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var recordId = await EnterAsync(client, "REC-GONE-1", "韩二十", TestPlatform.ResidentId(new DateOnly(1983, 3, 3), 318));
        // The catalogue changed since: the record's category is not in it any more.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            await db.Records.Where(r => r.Id == recordId).ExecuteUpdateAsync(u => u.SetProperty(r => r.CategoryCode, "P-ARREARS-WATER-2019"), Ct);
        }

        var list = await Parse(await client.PostFormAsync("/unit/records", new() { ["Key"] = "REC-GONE-1" }, Ct));
        var row = list.QuerySelector("table.unit-records tbody tr").ShouldNotBeNull();
        row.TextContent.ShouldContain("P-ARREARS-WATER-2019");
        row.TextContent.ShouldContain("已不在目录中");
        (await Parse(await client.Http.GetAsync("/unit/records", Ct))).QuerySelectorAll("table.unit-records tbody tr code")
            .Select(c => c.TextContent).ShouldContain("REC-GONE-1");

        var response = await client.Http.GetAsync($"/unit/records/{recordId}", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var page = await Parse(response);
        page.QuerySelector(".notice")!.TextContent.ShouldContain("已不在信用信息目录中");
        page.QuerySelector("#correct-title").ShouldBeNull();
        page.QuerySelector("#withdraw-title").ShouldBeNull();
        page.QuerySelector("#restore-title").ShouldBeNull();
        // Its fields, by the codes they were stored under; its history.
        var fields = page.QuerySelectorAll("dl.facts")[1].TextContent;
        fields.ShouldContain("arrears_amount");
        fields.ShouldContain("88.8");
        page.QuerySelectorAll("h2 ~ .table-scroll tbody tr").Length.ShouldBe(1);
        (await Parse(await client.Http.GetAsync($"/unit/records/{recordId}?culture=en", Ct))).QuerySelector(".notice")!.TextContent
            .ShouldContain("no longer in the credit information catalogue");

        // Another unit still does not see it, and a withdrawal posted anyway changes nothing (the pipeline has no category to check it against).
        var court = await PortalClient.SignedInAs(factory, "court", Ct);
        (await court.Http.GetAsync($"/unit/records/{recordId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var batches = await BatchCountAsync();
        var refused = await Parse(await PostRecordAsync(client, recordId, "Withdraw", new() { ["Note"] = "类别已取消", ["Confirm"] = "true" }));
        refused.QuerySelector(".success").ShouldBeNull();
        // The refusal is said, though the page offers no form to show it in.
        refused.QuerySelector(".form-errors")!.TextContent.ShouldContain("不能由本单位更改");
        (await StatusOf(recordId)).ShouldBe(RecordStatus.InForce);
        (await BatchCountAsync()).ShouldBe(batches);
    }

    [Fact]
    public async Task AnotherUnitsRecord_IsNotFound_AndNotListed()
    {
        var water = await PortalClient.SignedInAs(factory, "water", Ct);
        var recordId = await EnterAsync(water, "REC-OTHER-1", "孙十二", TestPlatform.ResidentId(new DateOnly(1990, 1, 9), 523));

        var court = await PortalClient.SignedInAs(factory, "court", Ct);
        (await court.Http.GetAsync($"/unit/records/{recordId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var list = await Parse(await court.PostFormAsync("/unit/records", new() { ["Key"] = "REC-OTHER-1" }, Ct));
        list.QuerySelectorAll("table.unit-records tbody tr").Length.ShouldBe(0);
        // The court's clerk, with a valid form token of their own session, cannot withdraw it either.
        var courtWithdraw = await court.PostFormAsync($"/unit/records/{recordId}?handler=Withdraw", new() { ["Note"] = "x", ["Confirm"] = "true" }, Ct,
            formPage: "/unit/records");
        courtWithdraw.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await StatusOf(recordId)).ShouldBe(RecordStatus.InForce);

        // Paging on with another person's internal number shows nothing about them.
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var waterSubject = await db.Records.Where(r => r.Id == recordId).Select(r => r.SubjectId).SingleAsync(Ct);
        var probe = await Parse(await court.PostFormAsync("/unit/records", new() { ["Subject"] = waterSubject.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Ct));
        probe.QuerySelector("main")!.TextContent.ShouldNotContain("*****");
    }

    [Fact]
    public async Task ACorrection_KeepsThePerson_AddsAVersion_AndABadValueIsShownBesideItsFieldWithNothingStored()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var recordId = await EnterAsync(client, "REC-FIX-1", "李十三", TestPlatform.ResidentId(new DateOnly(1975, 3, 21), 634));
        var form = CorrectionForm();

        // Nothing changed (88.80 is the 88.8 on file): said so, no batch.
        var batches = await BatchCountAsync();
        var same = await Parse(await PostRecordAsync(client, recordId, "Correct", new(form) { ["arrears_amount"] = "88.80" }));
        same.QuerySelector(".form-errors")!.TextContent.ShouldContain("没有修改任何字段");
        (await BatchCountAsync()).ShouldBe(batches);

        // A negative amount: the reason beside the field and linked from the top; the typed value kept; nothing stored.
        var bad = new Dictionary<string, string>(form) { ["arrears_amount"] = "-5" };
        var refused = await Parse(await PostRecordAsync(client, recordId, "Correct", bad));
        refused.QuerySelector("#f_arrears_amount-error").ShouldNotBeNull();
        refused.QuerySelector(".form-errors a[href='#f_arrears_amount']").ShouldNotBeNull();
        refused.QuerySelector("#f_arrears_amount")!.GetAttribute("value").ShouldBe("-5");
        (await VersionOf(recordId)).ShouldBe(1);

        var good = new Dictionary<string, string>(form) { ["arrears_amount"] = "66.6", ["Note"] = "核对账单后更正金额" };
        var done = await Parse(await PostRecordAsync(client, recordId, "Correct", good));
        done.QuerySelector(".success")!.TextContent.ShouldContain("记录已更正");
        done.QuerySelector("dl.facts")!.TextContent.ShouldContain("第 2 版");
        var history = done.QuerySelectorAll("h2 ~ .table-scroll tbody tr").Select(r => r.TextContent).ToList();
        history.Count.ShouldBe(2);
        history[0].ShouldContain("更新");
        history[0].ShouldContain("本单位更正");
        history[0].ShouldContain("核对账单后更正金额");
        history[0].ShouldContain("市自来水公司 报送员");
        history[1].ShouldContain("新增");
        (await VersionOf(recordId)).ShouldBe(2);
    }

    [Fact]
    public async Task ACorrection_MadeOnAPageOpenedBeforeAnotherChange_IsRefused_AndOverwritesNothing()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var id = TestPlatform.ResidentId(new DateOnly(1971, 7, 7), 612);
        var recordId = await EnterAsync(client, "REC-STALE-1", "陈十七", id);
        var page = await Parse(await client.Http.GetAsync($"/unit/records/{recordId}", Ct));
        var opened = page.QuerySelector("form[action*='handler=Correct'] input[name='Version']")!.GetAttribute("value");
        opened.ShouldBe("1");

        // Meanwhile the same key is sent again with a new amount (another clerk, a file, the API): version 2.
        var resent = WaterRecord("REC-STALE-1", "陈十七", id);
        resent["arrears_amount"] = "99";
        (await Parse(await client.PostFormAsync("/unit/entry/P-ARREARS-WATER", resent, Ct))).QuerySelector(".success").ShouldNotBeNull();

        var form = new Dictionary<string, string>(CorrectionForm()) { ["Version"] = opened!, ["arrears_amount"] = "77" };
        var refused = await Parse(await PostRecordAsync(client, recordId, "Correct", form));
        refused.QuerySelector(".form-errors")!.TextContent.ShouldContain("现为第 2 版");
        (await VersionOf(recordId)).ShouldBe(2);
        refused.QuerySelector("dl.facts:nth-of-type(2)")!.TextContent.ShouldContain("99");
    }

    /// <summary>
    /// The change someone else commits after the page's own check (<c>Stale</c>) and before the batch writes: the page sends
    /// the form's version with the row, and the writer, comparing it with the record as committed, refuses it. A trigger
    /// stands in for the other writer: on SQLite a correction's batch row is written at the start of its write
    /// transaction, after the page's check and before the writer looks the record up.
    /// </summary>
    [Fact]
    public async Task AChangeCommittedBetweenThePagesCheckAndTheWrite_IsNotOverwritten_ByACorrectionAWithdrawalOrARestoration()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var recordId = await EnterAsync(client, "REC-CROSS-1", "孙十八", TestPlatform.ResidentId(new DateOnly(1973, 8, 18), 618));
        async Task CrossingEditsAsync(bool on)
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            await db.Database.ExecuteSqlRawAsync(on
                ? """
                  CREATE TRIGGER crossing_edit AFTER INSERT ON intake_batches WHEN NEW.channel = 'correction'
                  BEGIN
                    UPDATE credit_records SET version = version + 1, fields = json_set(fields, '$.arrears_amount', 99), content_hash = 'someone-else'
                    WHERE record_key = 'REC-CROSS-1';
                  END
                  """
                : "DROP TRIGGER IF EXISTS crossing_edit", Ct);
        }

        static string VersionOnPage(IHtmlDocument page, string handler) =>
            page.QuerySelector($"form[action*='handler={handler}'] input[name='Version']")!.GetAttribute("value")!;

        await CrossingEditsAsync(on: true);
        try
        {
            var form = new Dictionary<string, string>(CorrectionForm()) { ["Version"] = "1", ["arrears_amount"] = "77" };
            var corrected = await Parse(await PostRecordAsync(client, recordId, "Correct", form));
            corrected.QuerySelector(".success").ShouldBeNull();
            corrected.QuerySelector("section[aria-labelledby='correct-title'] .form-errors")!.TextContent
                .ShouldContain("编号为“REC-CROSS-1”的记录已被修改（现为第 2 版，您依据的是第 1 版），本次修改未保存");
            corrected.QuerySelector("#f_arrears_amount")!.GetAttribute("value").ShouldBe("77"); // the clerk's values kept
            VersionOnPage(corrected, "Correct").ShouldBe("2"); // the form is now made from the record as it is
            (await VersionOf(recordId)).ShouldBe(2);

            var withdrawal = await Parse(await PostRecordAsync(client, recordId, "Withdraw",
                new() { ["Version"] = "2", ["Note"] = "用户已缴清，属误报", ["Confirm"] = "true" }));
            withdrawal.QuerySelector("section[aria-labelledby='withdraw-title'] .form-errors")!.TextContent.ShouldContain("现为第 3 版，您依据的是第 2 版");
            (await StatusOf(recordId)).ShouldBe(RecordStatus.InForce);
            (await VersionOf(recordId)).ShouldBe(3);

            await CrossingEditsAsync(on: false);
            (await Parse(await PostRecordAsync(client, recordId, "Withdraw",
                new() { ["Version"] = "3", ["Note"] = "用户已缴清，属误报", ["Confirm"] = "true" }))).QuerySelector(".success").ShouldNotBeNull();
            await CrossingEditsAsync(on: true);
            var restoration = await Parse(await PostRecordAsync(client, recordId, "Restore", new() { ["Version"] = "4", ["Note"] = "撤回有误，恢复" }));
            restoration.QuerySelector("section[aria-labelledby='restore-title'] .form-errors")!.TextContent.ShouldContain("现为第 5 版，您依据的是第 4 版");
            (await StatusOf(recordId)).ShouldBe(RecordStatus.Withdrawn);
        }
        finally
        {
            await CrossingEditsAsync(on: false);
        }

        // None of the refused changes left a history row: the record's own (created, withdrawn) only.
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        (await db.RecordChanges.AsNoTracking().Where(c => c.RecordId == recordId).OrderBy(c => c.Id).Select(c => c.Action).ToListAsync(Ct))
            .ShouldBe([RecordAction.Created, RecordAction.Withdrawn]);
        var record = await db.Records.AsNoTracking().SingleAsync(r => r.Id == recordId, Ct);
        (record.Version, record.ContentHash).ShouldBe((5, "someone-else"));
        record.FieldsJson.ShouldNotContain("77");
    }

    [Fact]
    public async Task AReasonWithAnIdNumber_IsRefused_AndARecordPastItsPublicationCannotBeRestored()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var id = TestPlatform.ResidentId(new DateOnly(1966, 12, 12), 723);
        var recordId = await EnterAsync(client, "REC-OLD-1", "林十八", id);

        var withId = await Parse(await PostRecordAsync(client, recordId, "Withdraw", new() { ["Note"] = "户主 " + id + " 已缴清", ["Confirm"] = "true" }));
        withId.QuerySelector("#Note-withdraw-error")!.TextContent.ShouldContain("不要写证件号码");
        withId.Body!.InnerHtml.ShouldNotContain(id);
        (await StatusOf(recordId)).ShouldBe(RecordStatus.InForce);

        (await Parse(await PostRecordAsync(client, recordId, "Withdraw", new() { ["Note"] = "已缴清", ["Confirm"] = "true" }))).QuerySelector(".success").ShouldNotBeNull();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var yesterday = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).AddDays(-1);
            await db.Records.Where(r => r.Id == recordId).ExecuteUpdateAsync(u => u.SetProperty(r => r.PublicationEnd, yesterday), Ct);
        }

        var page = await Parse(await client.Http.GetAsync($"/unit/records/{recordId}", Ct));
        page.QuerySelector("#restore-title").ShouldBeNull();
        page.QuerySelector("main")!.TextContent.ShouldContain("不能恢复");
        var restore = await Parse(await PostRecordAsync(client, recordId, "Restore", new() { ["Note"] = "恢复" }));
        restore.QuerySelector(".success").ShouldBeNull();
        (await StatusOf(recordId)).ShouldBe(RecordStatus.Withdrawn);
    }

    [Fact]
    public async Task AWithdrawal_NeedsAReasonAndAConfirmation_ThenTheRecordCanBeRestored()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var recordId = await EnterAsync(client, "REC-WD-1", "周十四", TestPlatform.ResidentId(new DateOnly(1969, 11, 2), 745));

        var missing = await Parse(await PostRecordAsync(client, recordId, "Withdraw", []));
        missing.QuerySelector("#Note-withdraw-error")!.TextContent.ShouldContain("请写明原因");
        missing.QuerySelector("#Confirm-error")!.TextContent.ShouldContain("请勾选确认");
        // Listed at the top of the form too (the list takes the focus), each linked to its field.
        missing.QuerySelectorAll(".form-errors a").Select(a => a.GetAttribute("href")).ShouldBe(["#Note-withdraw", "#Confirm"]);
        (await StatusOf(recordId)).ShouldBe(RecordStatus.InForce);

        var done = await Parse(await PostRecordAsync(client, recordId, "Withdraw", new() { ["Note"] = "用户已缴清，属误报", ["Confirm"] = "true" }));
        done.QuerySelector(".success")!.TextContent.ShouldContain("记录已撤回");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            // Its batch is the unit's correction, not a report; the reason is in the audit chain's entry for it.
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var last = await db.IntakeBatches.AsNoTracking().OrderByDescending(b => b.Id).FirstAsync(b => b.UnitCode == "WATER-SUPPLY", Ct);
            (last.Channel, last.Note).ShouldBe(("correction", "用户已缴清，属误报"));
            (await db.AuditEntries.AsNoTracking().AnyAsync(a => a.Summary.Contains("note: 用户已缴清，属误报"), Ct)).ShouldBeTrue();
        }

        (await StatusOf(recordId)).ShouldBe(RecordStatus.Withdrawn);
        done.QuerySelector("#correct-title").ShouldBeNull();
        done.QuerySelector("#restore-title").ShouldNotBeNull();
        // Listed under its status (through the partial index of records no longer in force), not under 有效.
        var withdrawn = await Parse(await client.Http.GetAsync("/unit/records?status=Withdrawn", Ct));
        withdrawn.QuerySelectorAll("table.unit-records tbody tr code").Select(c => c.TextContent).ShouldContain("REC-WD-1");
        var inForce = await Parse(await client.Http.GetAsync("/unit/records?status=InForce", Ct));
        inForce.QuerySelectorAll("table.unit-records tbody tr code").Select(c => c.TextContent).ShouldNotContain("REC-WD-1");

        // The batch page says why.
        var batchLink = done.QuerySelector(".success a[href^='/unit/batches/']")!.GetAttribute("href")!;
        var batch = await Parse(await client.Http.GetAsync(batchLink, Ct));
        batch.QuerySelector(".batch-note")!.TextContent.ShouldContain("用户已缴清，属误报");

        var restored = await Parse(await PostRecordAsync(client, recordId, "Restore", new() { ["Note"] = "撤回有误，恢复" }));
        restored.QuerySelector(".success")!.TextContent.ShouldContain("记录已恢复");
        (await StatusOf(recordId)).ShouldBe(RecordStatus.InForce);
        var history = restored.QuerySelectorAll("h2 ~ .table-scroll tbody tr").Select(r => r.TextContent).ToList();
        history[0].ShouldContain("恢复");
        history[1].ShouldContain("用户已缴清，属误报");
    }

    [Fact]
    public async Task ARecordOfACategoryNoLongerInTheCatalogue_IsStillShownToThePersonItIsAbout()
    {
        // 003 §15: a subject may see all of its own credit information, also a record whose category the catalogue dropped.
        var citizen = await PortalClient.SignedInAs(factory, "citizen", Ct);
        var water = await PortalClient.SignedInAs(factory, "water", Ct);
        string name, id;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            // The citizen account's person (the demo population's first adult): a new water record about them.
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var subjectId = await db.Records.Where(r => r.RecordKey == "DEMO-CITIZEN-P-ARREARS-WATER").Select(r => r.SubjectId).SingleAsync(Ct);
            var subject = await db.Subjects.AsNoTracking().SingleAsync(x => x.Id == subjectId, Ct);
            (name, id) = (subject.Name, scope.ServiceProvider.GetRequiredService<Shangding.Core.Subjects.IdentityProtector>().Decrypt(subject.IdCipher));
        }

        var recordId = await EnterAsync(water, "REC-GONE-OWN", name, id);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            await db.Records.Where(r => r.Id == recordId).ExecuteUpdateAsync(u => u.SetProperty(r => r.CategoryCode, "P-ARREARS-WATER-2019"), Ct);
        }

        var mine = await Parse(await citizen.Http.GetAsync("/me/records", Ct));
        var rows = mine.QuerySelectorAll("tbody tr").Where(r => r.TextContent.Contains("P-ARREARS-WATER-2019", StringComparison.Ordinal)).ToList();
        rows.Count.ShouldBe(1, mine.Body!.TextContent);
        rows[0].TextContent.ShouldContain("已不在目录中");
        rows[0].TextContent.ShouldContain("类别已取消");
        (await Parse(await citizen.Http.GetAsync("/me/records?culture=en", Ct))).QuerySelectorAll("tbody tr")
            .Single(r => r.TextContent.Contains("P-ARREARS-WATER-2019", StringComparison.Ordinal)).TextContent.ShouldContain("no longer in the catalogue");
    }

    [Fact]
    public async Task AWithdrawal_IsToldToTheCreditCentre_AndToThePersonTheRecordIsAbout()
    {
        // 003 §11: a unit that finds what it furnished inaccurate tells the platform's operators. The demo citizen has an
        // account once signed in; the water company holds a record about them.
        await PortalClient.SignedInAs(factory, "citizen", Ct);
        var water = await PortalClient.SignedInAs(factory, "water", Ct);
        long recordId, citizenAccount;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            recordId = await db.Records.Where(r => r.UnitCode == "WATER-SUPPLY" && r.RecordKey == "DEMO-CITIZEN-P-ARREARS-WATER").Select(r => r.Id).SingleAsync(Ct);
            var subjectId = await db.Records.Where(r => r.Id == recordId).Select(r => r.SubjectId).SingleAsync(Ct);
            citizenAccount = await db.Accounts.Where(a => a.SubjectId == subjectId).Select(a => a.Id).SingleAsync(Ct);
        }

        (await Parse(await PostRecordAsync(water, recordId, "Withdraw", new() { ["Note"] = "账户已于上月结清", ["Confirm"] = "true" })))
            .QuerySelector(".success").ShouldNotBeNull();

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var operators = await db.Accounts.Where(a => a.Role == "operator").Select(a => a.Id).ToListAsync(Ct);
            var told = await db.Notifications.AsNoTracking().Where(n => n.Kind == "unit-record-changed" && n.BodyZh.Contains("DEMO-CITIZEN-P-ARREARS-WATER")).ToListAsync(Ct);
            told.Select(n => n.AccountId).ShouldBe(operators, ignoreOrder: true);
            told[0].BodyZh.ShouldContain("市自来水公司撤回了");
            told[0].BodyZh.ShouldContain("账户已于上月结清");
            told[0].BodyZh.ShouldNotContain(Shangding.Web.Access.AccessDemo.CitizenId);
            var mine = await db.Notifications.AsNoTracking().SingleAsync(n => n.AccountId == citizenAccount && n.Kind == "record-changed-by-unit", Ct);
            mine.TitleZh.ShouldBe("您的一条信用记录已撤回");
            mine.TitleEn.ShouldBe("A credit record about you was withdrawn");
            told[0].TitleEn.ShouldEndWith(" withdrew a record");
            mine.Link.ShouldBe("/me/records");
        }
    }

    [Fact]
    public async Task ViewingARecord_InTheListOnItsPageOrOnARefusedChange_GoesIntoTheSubjectsQueryLog()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var recordId = await EnterAsync(client, "REC-LOG-1", "吴十五", TestPlatform.ResidentId(new DateOnly(1992, 6, 30), 856));
        long subjectId;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            subjectId = await scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().Records.Where(r => r.Id == recordId).Select(r => r.SubjectId).SingleAsync(Ct);
        }

        async Task<List<QueryLogEntry>> EntriesAsync()
        {
            await using var scope = factory.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().QueryLog.AsNoTracking().Where(q => q.SubjectId == subjectId).ToListAsync(Ct);
        }

        var number = recordId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        (await Parse(await client.PostFormAsync("/unit/records", new() { ["Key"] = "REC-LOG-1" }, Ct))).QuerySelectorAll("table.unit-records tbody tr").Length.ShouldBe(1);
        (await EntriesAsync()).ShouldContain(q => q.Purpose.StartsWith("本单位记录查询", StringComparison.Ordinal) && q.Purpose.Contains(number, StringComparison.Ordinal));

        (await client.Http.GetAsync($"/unit/records/{recordId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var afterView = await EntriesAsync();
        afterView.ShouldContain(q => q.Purpose.Contains("本单位记录核对", StringComparison.Ordinal) && q.Purpose.Contains(number, StringComparison.Ordinal)
            && q.QuerierRole == "unit-clerk" && q.Outcome == QueryOutcome.Allowed);

        // A refused withdrawal shows the whole record again: that view is logged too.
        (await Parse(await PostRecordAsync(client, recordId, "Withdraw", []))).QuerySelector("#Confirm-error").ShouldNotBeNull();
        (await EntriesAsync()).Count.ShouldBe(afterView.Count + 2); // the GET of the form's page, and the refused post's page
    }

    [Fact]
    public async Task TheEntryForm_ListsItsErrorsAtTheTop_EachLinkedToItsField()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var fields = WaterRecord("REC-ERR-1", "郑十六", "123");
        fields["arrears_amount"] = "-1";
        var page = await Parse(await client.PostFormAsync("/unit/entry/P-ARREARS-WATER", fields, Ct));
        var links = page.QuerySelectorAll(".form-errors a").Select(a => a.GetAttribute("href")).ToList();
        links.ShouldContain("#f_id_number");
        links.ShouldContain("#f_arrears_amount");
        page.QuerySelector("#f_id_number")!.ShouldNotBeNull();
    }

    private async Task<int> BatchCountAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().IntakeBatches.CountAsync(Ct);
    }

    private async Task<int> VersionOf(long recordId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        return await db.Records.AsNoTracking().Where(r => r.Id == recordId).Select(r => r.Version).SingleAsync(Ct);
    }

    private async Task<RecordStatus> StatusOf(long recordId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        return await db.Records.AsNoTracking().Where(r => r.Id == recordId).Select(r => r.Status).SingleAsync(Ct);
    }
}
