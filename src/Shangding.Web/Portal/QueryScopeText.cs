using Shangding.Core.Access;
using Shangding.Web.Localization;

namespace Shangding.Web.Portal;

/// <summary>
/// A query-log scope (<see cref="CreditQueries.ScopeText"/>: <c>level</c>, <c>score</c>, <c>report</c>,
/// <c>records</c>, <c>query-history</c>, <c>benefit:{code}</c>; for staff reads of remedy cases <c>dispute</c>,
/// <c>repair</c>, <c>self-report</c>, <c>evidence</c>) in the reader's language, the benefit by its name.
/// </summary>
public static class QueryScopeText
{
    public static string Of(UiText text, BenefitCatalog benefits, string scope)
    {
        if (scope.StartsWith("benefit:", StringComparison.Ordinal))
        {
            var code = scope["benefit:".Length..];
            var benefit = benefits.Find(code);
            return text["access.scope.benefit"] + "：" + (benefit is null ? code : UiText.Pick(benefit.NameZh, benefit.NameEn));
        }

        var key = "access.scope." + scope;
        return text.Keys.Contains(key) ? text[key] : scope;
    }
}
