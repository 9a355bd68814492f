using System.Text.Json;
using Microsoft.Playwright;

namespace Payments.Dashboard.Tests;

/// <summary>
/// Accessibility basics checked in the browser on the rendered page: every form control has a
/// label, the page has a language and one h1, and the main elements' text meets WCAG AA contrast
/// (4.5:1) against the background they are drawn on.
/// </summary>
internal static class Accessibility
{
    private const string Script = """
        () => {
          const problems = [];
          const visible = el => el.type !== 'hidden' && el.getClientRects().length > 0;
          for (const el of document.querySelectorAll('input, select, textarea')) {
            if (visible(el) && el.labels.length === 0 && !el.getAttribute('aria-label')) problems.push('no label: ' + el.outerHTML);
          }
          if (!document.documentElement.lang) problems.push('no lang on <html>');
          if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
          const rgb = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(',').map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
          const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
          const background = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c.a > 0) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
          const checked = [];
          for (const el of document.querySelectorAll('body, h1, h2, a, button, label, th, td, p, dt, dd, .status, .merchant, caption')) {
            if (!visible(el) || !el.textContent.trim()) continue;
            const fg = rgb(getComputedStyle(el).color), bg = background(el);
            const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
            const ratio = (hi + 0.05) / (lo + 0.05);
            checked.push(ratio);
            if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)} < 4.5: <${el.tagName.toLowerCase()} class="${el.className}"> ${el.textContent.trim().slice(0, 40)}`);
          }
          return { problems, checked: checked.length };
        }
        """;

    public static async Task AssertBasicsAsync(IPage page)
    {
        var result = await page.EvaluateAsync<JsonElement>(Script);
        var problems = result.GetProperty("problems").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.True(problems.Count == 0, $"{page.Url}:\n" + string.Join("\n", problems));
        Assert.True(result.GetProperty("checked").GetInt32() > 3, $"{page.Url}: too few elements checked for contrast");
    }

    /// <summary>Presses Tab until the focused element matches <paramref name="isTarget"/>; each stop must show a focus outline.</summary>
    public static async Task TabToAsync(IPage page, string description, string isTarget, int maxStops = 60)
    {
        for (var i = 0; i < maxStops; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var state = await page.EvaluateAsync<JsonElement>(
                $$"""() => { const el = document.activeElement; const s = getComputedStyle(el); return { hit: ({{isTarget}})(el), outline: s.outlineStyle, width: s.outlineWidth, tag: el.tagName }; }""");
            Assert.True(state.GetProperty("outline").GetString() != "none" && state.GetProperty("width").GetString() != "0px",
                $"focus on <{state.GetProperty("tag").GetString()}> is not visible");
            if (state.GetProperty("hit").GetBoolean())
            {
                return;
            }
        }

        Assert.Fail($"{description} was not reached with Tab within {maxStops} stops on {page.Url}");
    }
}
