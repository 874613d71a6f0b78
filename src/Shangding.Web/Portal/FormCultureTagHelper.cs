using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace Shangding.Web.Portal;

/// <summary>
/// Keeps a language chosen in the address (<c>?culture=en</c>, not remembered in a cookie) for the answer
/// to a form, so its errors come back in the language the form was shown in: a POST form with an action
/// (e.g. from <c>asp-page-handler</c>, which drops the query) gets <c>culture=…</c> in it, a GET form a hidden
/// <c>culture</c> field. Forms without an action post to the address as it is, and the language switch
/// (<c>/language</c>) is left alone. Nothing changes when the language comes from the cookie or the default.
/// </summary>
[HtmlTargetElement("form")]
public sealed class FormCultureTagHelper : TagHelper
{
    /// <summary>After <c>FormTagHelper</c> (-1000) has written the action.</summary>
    public override int Order => 1000;

    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var feature = ViewContext.HttpContext.Features.Get<IRequestCultureFeature>();
        if (feature?.Provider is not QueryStringRequestCultureProvider)
        {
            return;
        }

        var culture = feature.RequestCulture.UICulture.Name;
        var action = output.Attributes["action"]?.Value?.ToString();
        if (action == "/language")
        {
            return;
        }

        if (string.Equals(output.Attributes["method"]?.Value?.ToString(), "post", StringComparison.OrdinalIgnoreCase))
        {
            if (action is null || action.Contains("culture=", StringComparison.Ordinal))
            {
                return;
            }

            output.Attributes.SetAttribute("action", action + (action.Contains('?') ? "&" : "?") + "culture=" + Uri.EscapeDataString(culture));
        }
        else
        {
            output.PostContent.AppendHtml($"<input type=\"hidden\" name=\"culture\" value=\"{HtmlEncoder.Default.Encode(culture)}\" />");
        }
    }
}
