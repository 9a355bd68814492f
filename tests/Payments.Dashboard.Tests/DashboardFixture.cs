using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Payments.Dashboard.Tests;

/// <summary>
/// The built service as a child process (Development, its own SQLite database, one configured
/// merchant) and a headless Chromium: the system's (Debian package <c>chromium</c>, or
/// <c>PAYMENTS_CHROMIUM</c>) when there is one, otherwise the browser Playwright installs itself.
/// </summary>
public sealed partial class DashboardFixture : IAsyncLifetime
{
    public const string MerchantId = "acct_browser";
    public const string SecretKey = "sk_test_browser_0123456789abcdefghij";

    private ServiceProcess? service;
    private IPlaywright? playwright;
    private string? workingDirectory;

    public Uri BaseAddress { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public HttpClient Api { get; private set; } = null!;

    /// <summary>Where the run's screenshots go (the key ones are copied into docs/img by hand).</summary>
    public string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>The service's output so far, for failure messages.</summary>
    public string Output => service?.Output ?? "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        workingDirectory = Directory.CreateTempSubdirectory("payments-dashboard-").FullName;
        service = ServiceProcess.Start(ServiceProcess.BuiltNextToTests, workingDirectory, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Payments__Merchants__0__Id"] = MerchantId,
            ["Payments__Merchants__0__ApiKey"] = SecretKey,
            ["Payments__RateLimit__PermitsPerSecond"] = "0",
            ["Payments__TransactionLog__RelayEnabled"] = "false",
        }, [], host: "localhost");

        // The start-up log says where the dashboard is; the tests go there.
        var announced = await service.WaitForLineAsync(line => DashboardAddress().IsMatch(line), TimeSpan.FromSeconds(120));
        var address = DashboardAddress().Match(announced).Groups[1].Value;
        BaseAddress = new Uri(address);
        Assert.Equal(new Uri(service.BaseAddress, "/dashboard"), BaseAddress);
        Api = new HttpClient { BaseAddress = service.BaseAddress };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SecretKey);

        playwright = await Playwright.CreateAsync();
        var chromium = SystemChromium();
        if (chromium is null)
        {
            // No Debian package here (e.g. the CodeBuild image): Playwright fetches its own build.
            var installed = Microsoft.Playwright.Program.Main(["install", "chromium"]);
            Assert.True(installed == 0, $"playwright install chromium exited with {installed}");
        }

        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { Headless = true, ExecutablePath = chromium });
    }

    public async Task DisposeAsync()
    {
        // The service first: nothing below may leave it running.
        if (service is not null)
        {
            await service.DisposeAsync();
        }

        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        Api?.Dispose();
        if (workingDirectory is not null)
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    public async Task<IBrowserContext> NewContextAsync() =>
        await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });

    /// <summary>A page signed in through the form, with the keyboard only.</summary>
    public async Task<IPage> SignedInPageAsync(IBrowserContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url("/dashboard/sign-in"));
        await page.GetByLabel("Secret key").FillAsync(SecretKey);
        await page.Keyboard.PressAsync("Enter");
        await WaitForUrlAsync(page, "**/dashboard/payments");
        return page;
    }

    /// <summary>
    /// Waits until the page is at <paramref name="pattern"/> (a URL glob: <c>**</c> any text, <c>*</c> any text without
    /// a slash) and loaded. The URL is polled rather than a navigation awaited: on a busy machine a wait for the
    /// navigation event can miss a redirect that has already arrived, and time out with the page in place. A page
    /// that never gets there fails saying where it is and what it shows.
    /// </summary>
    public static async Task WaitForUrlAsync(IPage page, string pattern)
    {
        ArgumentNullException.ThrowIfNull(page);
        var url = GlobToRegex(pattern);
        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(url, new PageAssertionsToHaveURLOptions { Timeout = 30_000 });
        }
        catch (PlaywrightException exception)
        {
            var text = await page.InnerTextAsync("body", new PageInnerTextOptions { Timeout = 5_000 });
            throw new TimeoutException($"the page did not get to {pattern}: it is at {page.Url} and shows: {text[..Math.Min(text.Length, 600)]}", exception);
        }

        await page.WaitForLoadStateAsync(LoadState.Load);
    }

    private static System.Text.RegularExpressions.Regex GlobToRegex(string glob) =>
        new("^" + System.Text.RegularExpressions.Regex.Escape(glob).Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "$");

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    /// <summary>Creates a payment through the API (bearer key) and returns its JSON.</summary>
    public async Task<JsonElement> CreatePaymentAsync(long amount, string currency, bool capture, string? description = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["amount"] = amount,
            ["currency"] = currency,
            ["capture"] = capture,
            ["payment_method"] = new { card = new { number = "4242424242424242", exp_month = 12, exp_year = DateTime.UtcNow.Year + 3, cvc = "123" } },
        };
        if (description is not null)
        {
            body["description"] = description;
        }

        if (metadata is not null)
        {
            body["metadata"] = metadata;
        }

        using var response = await Api.PostAsync(new Uri("/v1/payments", UriKind.Relative),
            new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Api.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Dashboard: (http://\S+/dashboard)")]
    private static partial System.Text.RegularExpressions.Regex DashboardAddress();

    private static readonly string[] DebianChromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

    private static string? SystemChromium()
    {
        var configured = Environment.GetEnvironmentVariable("PAYMENTS_CHROMIUM");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        return DebianChromium.FirstOrDefault(File.Exists);
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardGroup : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}
