using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.TagHelpers;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace Shangding.Web.Portal;

/// <summary>
/// Errors beside the field, from the page's <see cref="ModelStateDictionary"/> keyed by field (the page
/// adds them in its language): <c>&lt;div class="field" field-for="Name"&gt;</c> gets <c>has-error</c>,
/// <c>&lt;input error-for="Name"&gt;</c> (or select, textarea) gets <c>aria-invalid</c> and
/// <c>aria-describedby="Name-error"</c>, and <c>&lt;field-error for="Name" /&gt;</c> becomes
/// <c>&lt;span id="Name-error" class="field-error"&gt;…&lt;/span&gt;</c>, or nothing when the field is fine.
/// </summary>
public abstract class FieldErrorTagHelperBase : TagHelper
{
    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    protected string? ErrorOf(string key) => FieldErrors.Of(ViewContext.ViewData.ModelState, key);
}

public static class FieldErrors
{
    /// <summary>The first error recorded for <paramref name="key"/>, or null.</summary>
    public static string? Of(ModelStateDictionary state, string key) =>
        state.TryGetValue(key, out var entry) && entry.Errors.Count > 0 ? entry.Errors[0].ErrorMessage : null;

    /// <summary>The id of the element that carries the error of <paramref name="key"/>.</summary>
    public static string ErrorId(string key) => key + "-error";
}

[HtmlTargetElement("input", Attributes = Name)]
[HtmlTargetElement("select", Attributes = Name)]
[HtmlTargetElement("textarea", Attributes = Name)]
public sealed class ErrorForTagHelper : FieldErrorTagHelperBase
{
    private const string Name = "error-for";

    [HtmlAttributeName(Name)]
    public string Key { get; set; } = "";

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var error = ErrorOf(Key);
        output.Attributes.SetAttribute("aria-invalid", error is null ? "false" : "true");
        if (error is not null)
        {
            output.Attributes.SetAttribute("aria-describedby", FieldErrors.ErrorId(Key));
        }
    }
}

[HtmlTargetElement("div", Attributes = Name)]
[HtmlTargetElement("fieldset", Attributes = Name)]
public sealed class FieldForTagHelper : FieldErrorTagHelperBase
{
    private const string Name = "field-for";

    [HtmlAttributeName(Name)]
    public string Key { get; set; } = "";

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        if (ErrorOf(Key) is not null)
        {
            output.AddClass("has-error", System.Text.Encodings.Web.HtmlEncoder.Default);
        }
    }
}

[HtmlTargetElement("field-error", Attributes = "for", TagStructure = TagStructure.WithoutEndTag)]
public sealed class FieldErrorTagHelper : FieldErrorTagHelperBase
{
    [HtmlAttributeName("for")]
    public string Key { get; set; } = "";

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        if (ErrorOf(Key) is not { } error)
        {
            output.SuppressOutput();
            return;
        }

        output.TagName = "span";
        output.TagMode = TagMode.StartTagAndEndTag;
        output.Attributes.SetAttribute("id", FieldErrors.ErrorId(Key));
        output.Attributes.SetAttribute("class", "field-error");
        output.Content.SetContent(error);
    }
}
