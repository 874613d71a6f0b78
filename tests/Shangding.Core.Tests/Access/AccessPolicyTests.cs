using Shangding.Core.Access;
using Shangding.Core.Catalog;

namespace Shangding.Core.Tests.Access;

public sealed class AccessPolicyTests
{
    private static readonly DateTime Now = new(2026, 3, 16, 2, 0, 0, DateTimeKind.Utc);
    private static readonly AccessPolicy Policy = new(new Dictionary<Severity, int> { [Severity.Minor] = 3, [Severity.General] = 12, [Severity.Serious] = 36 });

    private const long Alice = 10;
    private const long Bob = 11;
    private const long Bank = 500;

    private static readonly AccessActor Citizen = new(Roles.Citizen, 1, SubjectId: Alice);
    private static readonly AccessActor WaterClerk = new(Roles.UnitClerk, 2, "WATER-SUPPLY");
    private static readonly AccessActor Police = new(Roles.GovernmentQuerier, 3, "PUBLIC-SECURITY");
    private static readonly AccessActor Housing = new(Roles.GovernmentQuerier, 4, "CIVIL-AFFAIRS");
    private static readonly AccessActor BankActor = new(Roles.ThirdParty, Bank);
    private static readonly AccessActor Operator = new(Roles.Operator, 6);
    private static readonly AccessActor Auditor = new(Roles.Auditor, 7);

    private static RecordFacts Record(InfoClass cls, string unit = "WATER-SUPPLY", long subject = Alice, Polarity polarity = Polarity.Bad,
        Severity? severity = Severity.General, string status = "InForce", DateOnly? act = null, DateOnly? end = null, params string[] cBodies) =>
        new(subject, unit, cls, cBodies, polarity, severity, status, act ?? new DateOnly(2026, 1, 10), end);

    private static GrantFacts Grant(string scope, string? benefit = null, long subject = Alice, long recipient = Bank, DateTime? expires = null, DateTime? revoked = null) =>
        new(99, subject, recipient, scope, benefit, expires ?? Now.AddDays(30), revoked);

    private static string? Reason(AccessActor actor, AccessRequest request) => Policy.Decide(actor, request, Now).Reason;

    [Fact]
    public void ARecordOfACategoryNoLongerInTheCatalogue_IsShownOnlyToItsSubjectAndTheUnitThatFurnishedIt()
    {
        AccessPolicy.MayReadUncataloguedRecord(WaterClerk, "WATER-SUPPLY", Bob).Allowed.ShouldBeTrue();
        AccessPolicy.MayReadUncataloguedRecord(WaterClerk, "INTERMEDIATE-COURT", Bob).Reason.ShouldBe(RefusalReasons.NotInUse);
        // 003 §15: the subject sees all of its own credit information.
        AccessPolicy.MayReadUncataloguedRecord(Citizen, "WATER-SUPPLY", Alice).Allowed.ShouldBeTrue();
        AccessPolicy.MayReadUncataloguedRecord(new AccessActor(Roles.Organisation, 7, SubjectId: Bob), "WATER-SUPPLY", Bob).Allowed.ShouldBeTrue();
        foreach (var actor in new[] { Citizen, Police, Housing, BankActor, Operator, Auditor, AccessActor.Anonymous, new AccessActor(Roles.UnitClerk, 8) })
        {
            AccessPolicy.MayReadUncataloguedRecord(actor, "WATER-SUPPLY", Bob).Reason.ShouldBe(RefusalReasons.NotInUse, actor.Role);
        }
    }

    [Fact]
    public void Public_SeesOnlyPublishedClassARecords_AndNothingElse()
    {
        Policy.Decide(AccessActor.Anonymous, new AccessRequest(Alice, AccessWhat.Records), Now).Allowed.ShouldBeTrue();
        foreach (var what in new[] { AccessWhat.Level, AccessWhat.Score, AccessWhat.Report, AccessWhat.BenefitCheck, AccessWhat.Export, AccessWhat.QueryHistory })
        {
            Reason(AccessActor.Anonymous, new AccessRequest(Alice, what)).ShouldBe(RefusalReasons.NotSignedIn, what.ToString());
        }

        Policy.MayReadRecord(AccessActor.Anonymous, Record(InfoClass.A, severity: Severity.Serious), Now).Allowed.ShouldBeTrue();
        Policy.MayReadRecord(AccessActor.Anonymous, Record(InfoClass.B, severity: Severity.Serious), Now).Reason.ShouldBe(RefusalReasons.NotPublished);
        Policy.MayReadRecord(AccessActor.Anonymous, Record(InfoClass.C, severity: Severity.Serious, cBodies: "PUBLIC-SECURITY"), Now).Allowed.ShouldBeFalse();
        Policy.MayReadRecord(AccessActor.Anonymous, Record(InfoClass.A, severity: Severity.Serious, status: "Repaired"), Now).Allowed.ShouldBeFalse();
        Policy.MayReadRecord(AccessActor.Anonymous, Record(InfoClass.A, severity: Severity.Serious, status: "Withdrawn"), Now).Allowed.ShouldBeFalse();
        // Minor bad records are never published (SPEC §9).
        Policy.MayReadRecord(AccessActor.Anonymous, Record(InfoClass.A, severity: Severity.Minor), Now).Allowed.ShouldBeFalse();
        // A good class-A record (red list, honour) is public while in force.
        Policy.MayReadRecord(AccessActor.Anonymous, Record(InfoClass.A, polarity: Polarity.Good, severity: null, act: new DateOnly(2010, 1, 1)), Now).Allowed.ShouldBeTrue();
    }

    [Theory]
    [InlineData(Severity.General, "2025-03-17", true)]
    [InlineData(Severity.General, "2025-03-16", false)]
    [InlineData(Severity.Serious, "2023-03-17", true)]
    [InlineData(Severity.Serious, "2023-03-16", false)]
    public void Public_PublicationPeriodCountsFromTheAct(Severity severity, string act, bool published)
    {
        // Today is 2026-03-16; the period (12 months general, 36 serious) ends the day before the anniversary of the act.
        var record = Record(InfoClass.A, severity: severity, act: DateOnly.Parse(act, System.Globalization.CultureInfo.InvariantCulture));
        Policy.MayReadRecord(AccessActor.Anonymous, record, Now).Allowed.ShouldBe(published);
    }

    [Fact]
    public void Public_ARecordsOwnPublicationEndWins_LastDayIncluded()
    {
        Policy.IsPublished(Record(InfoClass.A, severity: Severity.Serious, end: new DateOnly(2026, 3, 16)), new DateOnly(2026, 3, 16)).ShouldBeTrue();
        Policy.IsPublished(Record(InfoClass.A, severity: Severity.Serious, end: new DateOnly(2026, 3, 15)), new DateOnly(2026, 3, 16)).ShouldBeFalse();
    }

    [Fact]
    public void Public_TheLastDayIsAChinaDay_WhateverTheServersTimeZone()
    {
        var record = Record(InfoClass.A, severity: Severity.Serious, end: new DateOnly(2026, 3, 16));
        // 23:30 on 03-16 in Zhengzhou is 15:30 UTC: still the last day.
        Policy.MayReadRecord(AccessActor.Anonymous, record, new DateTime(2026, 3, 16, 15, 30, 0, DateTimeKind.Utc)).Allowed.ShouldBeTrue();
        // 00:30 on 03-17 in Zhengzhou is 16:30 UTC on 03-16: the period is over, though it is still 03-16 in UTC.
        Policy.MayReadRecord(AccessActor.Anonymous, record, new DateTime(2026, 3, 16, 16, 30, 0, DateTimeKind.Utc)).Allowed.ShouldBeFalse();
    }

    [Fact]
    public void Citizen_SeesEverythingAboutThemselves_NothingAboutOthers()
    {
        foreach (var what in Enum.GetValues<AccessWhat>())
        {
            Policy.Decide(Citizen, new AccessRequest(Alice, what), Now).Allowed.ShouldBeTrue(what.ToString());
            Reason(Citizen, new AccessRequest(Bob, what)).ShouldBe(RefusalReasons.NotOwnSubject);
        }

        foreach (var cls in Enum.GetValues<InfoClass>())
        {
            Policy.MayReadRecord(Citizen, Record(cls, cBodies: "X"), Now).Allowed.ShouldBeTrue();
            Policy.MayReadRecord(Citizen, Record(cls, subject: Bob, cBodies: "X"), Now).Allowed.ShouldBeFalse();
        }

        // A citizen account not yet linked to a subject sees nothing.
        Reason(new AccessActor(Roles.Citizen, 1), new AccessRequest(Alice, AccessWhat.Records)).ShouldBe(RefusalReasons.NotOwnSubject);
    }

    [Fact]
    public void Organisation_SignedInAsItself_SeesItsOwnRecordsAndCases_NothingAboutOthers()
    {
        const long Firm = 30;
        var firm = new AccessActor(Roles.Organisation, 31, SubjectId: Firm);
        foreach (var what in new[] { AccessWhat.Records, AccessWhat.Report, AccessWhat.QueryHistory })
        {
            Policy.Decide(firm, new AccessRequest(Firm, what), Now).Allowed.ShouldBeTrue(what.ToString());
            Reason(firm, new AccessRequest(Alice, what)).ShouldBe(RefusalReasons.NotOwnSubject);
        }

        foreach (var cls in Enum.GetValues<InfoClass>())
        {
            // Its own records of every class, in use or not (a subject sees all its records, 003 §15).
            Policy.MayReadRecord(firm, Record(cls, subject: Firm, cBodies: "X", status: "Withdrawn"), Now).Allowed.ShouldBeTrue();
            Policy.MayReadRecord(firm, Record(cls, cBodies: "X"), Now).Reason.ShouldBe(RefusalReasons.NotOwnSubject);
        }

        Policy.MayReadCase(firm, new CaseFacts(CaseKinds.Dispute, 1, Firm, "MARKET-REGULATION", ApplicantAccountId: 31, Evidence: true)).Allowed.ShouldBeTrue();
        Policy.MayReadCase(firm, new CaseFacts(CaseKinds.Dispute, 2, Alice, "WATER-SUPPLY", ApplicantAccountId: 1)).Reason.ShouldBe(RefusalReasons.NotOwnSubject);
        // An organisation account not linked to a subject sees nothing.
        Reason(new AccessActor(Roles.Organisation, 32), new AccessRequest(Firm, AccessWhat.Records)).ShouldBe(RefusalReasons.NotOwnSubject);
    }

    [Fact]
    public void UnitClerk_ReadsOnlyTheirOwnUnitsRecords()
    {
        Policy.Decide(WaterClerk, new AccessRequest(Alice, AccessWhat.Records), Now).Allowed.ShouldBeTrue();
        Policy.MayReadRecord(WaterClerk, Record(InfoClass.B, "WATER-SUPPLY"), Now).Allowed.ShouldBeTrue();
        Policy.MayReadRecord(WaterClerk, Record(InfoClass.C, "WATER-SUPPLY", cBodies: "CREDIT-CENTRE"), Now).Allowed.ShouldBeTrue();
        Policy.MayReadRecord(WaterClerk, Record(InfoClass.A, "POWER-SUPPLY"), Now).Reason.ShouldBe(RefusalReasons.OtherUnit);
        foreach (var what in new[] { AccessWhat.Level, AccessWhat.Score, AccessWhat.Report, AccessWhat.BenefitCheck, AccessWhat.Export, AccessWhat.QueryHistory })
        {
            Reason(WaterClerk, new AccessRequest(Alice, what)).ShouldBe(RefusalReasons.RoleNotAllowed);
        }
    }

    [Fact]
    public void Government_NeedsLetterAndPurpose_GetsAAndB_AndCOnlyWhenNamed()
    {
        Reason(Police, new AccessRequest(Alice, AccessWhat.Report, Purpose: "investigation")).ShouldBe(RefusalReasons.LetterRequired);
        Reason(Police, new AccessRequest(Alice, AccessWhat.Report, Purpose: "investigation", LetterNumber: "  ")).ShouldBe(RefusalReasons.LetterRequired);
        Reason(Police, new AccessRequest(Alice, AccessWhat.Report, LetterNumber: "郑公函〔2026〕12号")).ShouldBe(RefusalReasons.PurposeRequired);
        Policy.Decide(Police, new AccessRequest(Alice, AccessWhat.Report, "investigation", "郑公函〔2026〕12号"), Now).Allowed.ShouldBeTrue();
        Policy.Decide(Police, new AccessRequest(Alice, AccessWhat.Records, "investigation", "郑公函〔2026〕12号"), Now).Allowed.ShouldBeTrue();
        Reason(Police, new AccessRequest(Alice, AccessWhat.Score, "investigation", "郑公函〔2026〕12号")).ShouldBe(RefusalReasons.BeyondScope);
        Reason(Police, new AccessRequest(Alice, AccessWhat.Export, "investigation", "郑公函〔2026〕12号")).ShouldBe(RefusalReasons.BeyondScope);

        Policy.MayReadRecord(Police, Record(InfoClass.A), Now).Allowed.ShouldBeTrue();
        Policy.MayReadRecord(Police, Record(InfoClass.B), Now).Allowed.ShouldBeTrue();
        Policy.MayReadRecord(Police, Record(InfoClass.C, cBodies: ["INTERMEDIATE-COURT", "PUBLIC-SECURITY"]), Now).Allowed.ShouldBeTrue();
        Policy.MayReadRecord(Housing, Record(InfoClass.C, cBodies: ["INTERMEDIATE-COURT", "PUBLIC-SECURITY"]), Now).Reason.ShouldBe(RefusalReasons.ClassNotAllowed);
        Policy.MayReadRecord(new AccessActor(Roles.GovernmentQuerier, 9), Record(InfoClass.C, cBodies: "PUBLIC-SECURITY"), Now).Allowed.ShouldBeFalse();
    }

    [Fact]
    public void ThirdParty_NeedsAValidGrantForThisSubjectAndOrganisation()
    {
        Reason(BankActor, new AccessRequest(Alice, AccessWhat.Level, "loan")).ShouldBe(RefusalReasons.GrantRequired);
        Reason(BankActor, new AccessRequest(Bob, AccessWhat.Level, "loan", Grant: Grant(GrantScopes.Level))).ShouldBe(RefusalReasons.GrantOtherSubject);
        Reason(BankActor, new AccessRequest(Alice, AccessWhat.Level, "loan", Grant: Grant(GrantScopes.Level, recipient: 501))).ShouldBe(RefusalReasons.GrantOtherRecipient);
        Reason(BankActor, new AccessRequest(Alice, AccessWhat.Level, "loan", Grant: Grant(GrantScopes.Level, expires: Now))).ShouldBe(RefusalReasons.GrantExpired);
        Policy.Decide(BankActor, new AccessRequest(Alice, AccessWhat.Level, "loan", Grant: Grant(GrantScopes.Level, expires: Now.AddTicks(1))), Now).Allowed.ShouldBeTrue();
        Reason(BankActor, new AccessRequest(Alice, AccessWhat.Level, "loan", Grant: Grant(GrantScopes.Level, revoked: Now.AddMinutes(-1)))).ShouldBe(RefusalReasons.GrantRevoked);
        Reason(BankActor, new AccessRequest(Alice, AccessWhat.Level, "", Grant: Grant(GrantScopes.Level))).ShouldBe(RefusalReasons.PurposeRequired);
    }

    [Theory]
    [InlineData(GrantScopes.Level, "Level")]
    [InlineData(GrantScopes.Score, "Level,Score")]
    [InlineData(GrantScopes.Report, "Level,Score,Report")]
    [InlineData(GrantScopes.Benefit, "BenefitCheck")]
    public void ThirdParty_StaysWithinTheGrantedScope(string scope, string allowed)
    {
        var allowedSet = allowed.Split(',').Select(Enum.Parse<AccessWhat>).ToHashSet();
        foreach (var what in Enum.GetValues<AccessWhat>())
        {
            var decision = Policy.Decide(BankActor, new AccessRequest(Alice, what, "loan", Grant: Grant(scope, scope == GrantScopes.Benefit ? "library-card" : null), Benefit: "library-card"), Now);
            decision.Allowed.ShouldBe(allowedSet.Contains(what), $"{scope} → {what}");
            if (!decision.Allowed)
            {
                decision.Reason.ShouldBe(RefusalReasons.BeyondScope);
            }
        }
    }

    [Fact]
    public void ThirdParty_BenefitGrantAllowsOnlyTheBenefitNamed_AndReportsHideClassC()
    {
        Reason(BankActor, new AccessRequest(Alice, AccessWhat.BenefitCheck, "rent", Grant: Grant(GrantScopes.Benefit, "library-card"), Benefit: "rental-deposit-waiver"))
            .ShouldBe(RefusalReasons.BeyondScope);
        Policy.MayReadRecord(BankActor, Record(InfoClass.A), Now).Allowed.ShouldBeTrue();
        Policy.MayReadRecord(BankActor, Record(InfoClass.B), Now).Allowed.ShouldBeTrue();
        Policy.MayReadRecord(BankActor, Record(InfoClass.C, cBodies: "PBOC-ZHENGZHOU"), Now).Reason.ShouldBe(RefusalReasons.ClassNotAllowed);
    }

    [Fact]
    public void Operator_ReadsForAStatedDuty_Auditor_SeesOnlyTheQueryLog()
    {
        Reason(Operator, new AccessRequest(Alice, AccessWhat.Report)).ShouldBe(RefusalReasons.PurposeRequired);
        Policy.Decide(Operator, new AccessRequest(Alice, AccessWhat.Report, "dispute 12"), Now).Allowed.ShouldBeTrue();
        Policy.Decide(Operator, new AccessRequest(Alice, AccessWhat.QueryHistory, "supervision"), Now).Allowed.ShouldBeTrue();
        Reason(Operator, new AccessRequest(Alice, AccessWhat.Export, "x")).ShouldBe(RefusalReasons.RoleNotAllowed);
        Policy.MayReadRecord(Operator, Record(InfoClass.C, cBodies: "CREDIT-CENTRE"), Now).Allowed.ShouldBeTrue();

        Policy.Decide(Auditor, new AccessRequest(Alice, AccessWhat.QueryHistory), Now).Allowed.ShouldBeTrue();
        foreach (var what in Enum.GetValues<AccessWhat>().Where(w => w != AccessWhat.QueryHistory))
        {
            Reason(Auditor, new AccessRequest(Alice, what, "x")).ShouldBe(RefusalReasons.RoleNotAllowed);
        }

        Policy.MayReadRecord(Auditor, Record(InfoClass.A), Now).Allowed.ShouldBeFalse();
    }

    [Fact]
    public void NoSubject_IsRefusedForEveryone_AndUnknownRolesAreRefused()
    {
        foreach (var actor in new[] { AccessActor.Anonymous, Citizen, WaterClerk, Police, BankActor, Operator, Auditor })
        {
            Reason(actor, new AccessRequest(null, AccessWhat.Report, "p", "l", Grant(GrantScopes.Report))).ShouldBe(RefusalReasons.NoSubject);
        }

        Reason(new AccessActor("unit-system"), new AccessRequest(Alice, AccessWhat.Records)).ShouldBe(RefusalReasons.RoleNotAllowed);
        Policy.MayReadRecord(new AccessActor("unit-system"), Record(InfoClass.A), Now).Allowed.ShouldBeFalse();
    }

    [Theory]
    // Today is 2026-03-16 (China date). Records of Alice, furnished by the water company.
    [InlineData("InForce", Severity.General, "2026-01-10", null, false, true)]
    [InlineData("Withdrawn", Severity.General, "2026-01-10", null, false, false)]
    [InlineData("Repaired", Severity.General, "2026-01-10", null, false, false)]
    [InlineData("Expired", Severity.General, "2026-01-10", null, false, false)]
    [InlineData("InForce", Severity.General, "2026-01-10", null, true, false)]          // listed in retired_records
    [InlineData("InForce", Severity.General, "2025-03-17", null, false, true)]          // the last day of its 12 months
    [InlineData("InForce", Severity.General, "2025-03-16", null, false, false)]         // its 12 months are over
    [InlineData("InForce", Severity.Minor, "2025-12-17", null, false, true)]            // minor: 3 months, not public but usable
    [InlineData("InForce", Severity.Minor, "2025-12-16", null, false, false)]
    [InlineData("InForce", Severity.Serious, "2023-03-17", null, false, true)]
    [InlineData("InForce", Severity.Serious, "2021-01-10", "2027-01-01", false, false)] // an own publication end cannot outlast 5 years
    [InlineData("InForce", Severity.Serious, "2021-03-17", "2026-03-16", false, true)]
    [InlineData("InForce", Severity.Serious, "2025-01-10", "2026-03-15", false, false)] // its own publication end has passed
    public void OthersThanTheSubjectAndTheUnit_GetOnlyRecordsInUse(string status, Severity severity, string act, string? end, bool retired, bool inUse)
    {
        var record = Record(InfoClass.B, severity: severity, status: status, act: DateOnly.Parse(act, System.Globalization.CultureInfo.InvariantCulture),
            end: end is null ? null : DateOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture)) with { Retired = retired };
        Policy.IsInUse(record, new DateOnly(2026, 3, 16)).ShouldBe(inUse);
        foreach (var actor in new[] { Police, BankActor, Operator })
        {
            var decision = Policy.MayReadRecord(actor, record, Now);
            (decision.Allowed, decision.Reason).ShouldBe(inUse ? (true, null) : (false, RefusalReasons.NotInUse), actor.Role);
        }

        // The subject and the furnishing unit see it whatever its state.
        Policy.MayReadRecord(Citizen, record, Now).Allowed.ShouldBeTrue();
        Policy.MayReadRecord(WaterClerk, record, Now).Allowed.ShouldBeTrue();
        // The 5-year limit is for bad information about persons (003 §20); an organisation's record keeps its own period.
        if (end is not null && status == "InForce" && !retired && DateOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture) >= new DateOnly(2026, 3, 16))
        {
            Policy.IsInUse(record with { SubjectKind = SubjectKind.Organisation }, new DateOnly(2026, 3, 16)).ShouldBeTrue();
        }

        // Good records are in use while in force, however old.
        Policy.IsInUse(record with { Polarity = Polarity.Good, Severity = null, ActDate = new DateOnly(2010, 1, 1), PublicationEnd = null }, new DateOnly(2026, 3, 16))
            .ShouldBe(status == "InForce" && !retired);
    }

    [Fact]
    public void RemedyCases_AreForTheSubject_TheUnitHandlingThem_AndTheCreditCentre_TheDisputeQueueForSupervisors()
    {
        var dispute = new CaseFacts(CaseKinds.Dispute, 17, Alice, "WATER-SUPPLY", ApplicantAccountId: 1);
        var repair = new CaseFacts(CaseKinds.Repair, 5, Alice, "WATER-SUPPLY", ApplicantAccountId: 1);
        var otherUnit = dispute with { UnitCode = "INTERMEDIATE-COURT" };
        foreach (var c in new[] { dispute, repair, dispute with { Evidence = true }, repair with { Evidence = true } })
        {
            Policy.MayReadCase(Citizen, c).Allowed.ShouldBeTrue();
            Policy.MayReadCase(WaterClerk, c).Allowed.ShouldBeTrue();
            Policy.MayReadCase(Operator, c).Allowed.ShouldBeTrue();
            Policy.MayReadCase(Police, c).Reason.ShouldBe(RefusalReasons.RoleNotAllowed);
            Policy.MayReadCase(BankActor, c).Reason.ShouldBe(RefusalReasons.RoleNotAllowed);
            Policy.MayReadCase(AccessActor.Anonymous, c).Reason.ShouldBe(RefusalReasons.NotSignedIn);
        }

        Policy.MayReadCase(new AccessActor(Roles.Citizen, 2, SubjectId: Bob), dispute).Reason.ShouldBe(RefusalReasons.NotOwnSubject);
        Policy.MayReadCase(WaterClerk, otherUnit).Reason.ShouldBe(RefusalReasons.OtherUnit);
        Policy.MayReadCase(new AccessActor(Roles.UnitClerk, 8), dispute).Reason.ShouldBe(RefusalReasons.OtherUnit); // a clerk without a unit
        // Supervisors read the dispute queue (003 §25), not the evidence, nor the other queues.
        Policy.MayReadCase(Auditor, dispute).Allowed.ShouldBeTrue();
        Policy.MayReadCase(Auditor, dispute with { Evidence = true }).Reason.ShouldBe(RefusalReasons.RoleNotAllowed);
        Policy.MayReadCase(Auditor, repair).Reason.ShouldBe(RefusalReasons.RoleNotAllowed);
    }
}
