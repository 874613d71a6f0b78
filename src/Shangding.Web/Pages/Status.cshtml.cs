using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages;

/// <summary>
/// What a browser shows for a page answered with an error status and no body (a batch of another unit, a mistyped
/// address): a page of the site in the reader's language, instead of the framework's "Status Code: 404; Not Found".
/// The status code stays the one the page answered with; the API keeps its problem+json answers.
/// </summary>
[Microsoft.AspNetCore.Authorization.AllowAnonymous]
[Microsoft.AspNetCore.Mvc.IgnoreAntiforgeryToken]
public sealed class StatusModel : PageModel
{
    public string Title { get; private set; } = "";

    public string Explanation { get; private set; } = "";

    public void OnGet(int code) => Describe(code);

    public void OnPost(int code) => Describe(code);

    private void Describe(int code)
    {
        (Title, Explanation) = code switch
        {
            404 => (UiText.Pick("找不到该页面", "Page not found"),
                UiText.Pick("该地址不存在，或所指的内容不属于您的单位或账户。请检查地址，或从首页重新进入。",
                    "This address does not exist, or what it points to does not belong to your unit or account. Check the address, or start again from the home page.")),
            403 => (UiText.Pick("无权访问", "Not allowed"),
                UiText.Pick("您的账户无权查看该页面。如需权限，请联系市信用中心。", "Your account may not see this page. Ask the Credit Centre if you need access.")),
            405 => (UiText.Pick("不支持该操作", "Not supported"),
                UiText.Pick("该页面不支持这种访问方式，请从页面上的链接或按钮进入。", "This page cannot be used this way; use the links and buttons on the pages.")),
            _ => (UiText.Pick("请求未能完成", "The request could not be completed"),
                UiText.Pick($"平台未能完成该请求（状态码 {code}）。请稍后重试；如仍有问题，请联系市信用中心。",
                    $"The platform could not complete the request (status {code}). Try again later; if it persists, contact the Credit Centre.")),
        };
    }
}
