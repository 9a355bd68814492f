using Payments.FaultTests.Infrastructure;

namespace Payments.FaultTests;

/// <summary>
/// issue 6 item 5: at least 150 generated bad requests (see <see cref="BadInputCorpus"/>) against the
/// running service: no 5xx, every refusal a typed error with the status the contract names, and the
/// service healthy afterwards, with no payment stored for a refused request.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class BadInputCorpusTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData(StoreKind.Postgres)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Every_bad_input_gets_a_typed_4xx_and_the_service_stays_healthy(StoreKind store)
    {
        await using var service = await ServiceUnderTest.CreateAsync(store, postgres);
        await service.StartAsync();
        var client = service.ClientFor(service.MerchantA);
        var anonymous = service.AnonymousClient();
        var year = DateTime.UtcNow.Year;

        var authorized = await Api.PostJsonAsync(client, "/v1/payments", Api.PaymentBody(10_000, "usd", capture: false), "setup-auth");
        var captured = await Api.PostJsonAsync(client, "/v1/payments", Api.PaymentBody(10_000, "usd", capture: true), "setup-capture");
        Assert.True(authorized.Status == 201 && captured.Status == 201, $"setup failed: {authorized} / {captured}");

        var corpus = BadInputCorpus.Generate(service.MerchantA.ApiKey, authorized.Id!, captured.Id!, year);
        Assert.True(corpus.Count(c => c.IsBad) >= 150, $"the corpus has only {corpus.Count(c => c.IsBad)} bad cases");

        var failures = new List<string>();
        var stored = 0;
        foreach (var testCase in corpus)
        {
            ApiResponse answer;
            try
            {
                answer = await Send(testCase, testCase.Auth == Auth.MerchantA ? client : anonymous);
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{testCase}: no HTTP answer ({e.InnerException?.Message ?? e.Message})");
                continue;
            }
            catch (TaskCanceledException)
            {
                failures.Add($"{testCase}: no answer within the client timeout");
                continue;
            }

            if (testCase.Path == "/v1/payments" && testCase.Method == HttpMethod.Post && answer.Status is 201 or 402)
            {
                stored++; // created, or declined and recorded as failed
            }

            var problem = Judge(testCase, answer);
            if (problem is not null)
            {
                failures.Add($"{testCase}: {problem} — got {answer}");
            }
        }

        // Healthy afterwards: ready, still creating, and a refused request left nothing behind.
        var process = service.Running;
        Assert.False(process.HasExited, "the service died during the corpus:\n" + process.RecentOutput());
        using (var ready = await anonymous.GetAsync(new Uri("/healthz/ready", UriKind.Relative)))
        {
            Assert.Equal(200, (int)ready.StatusCode);
        }

        var after = await Api.PostJsonAsync(client, "/v1/payments", Api.PaymentBody(4_200, "eur", capture: true), "after-corpus");
        Assert.Equal(201, after.Status);
        var payments = await Api.ListAllPaymentsAsync(client);
        if (payments.Count != stored + 3)
        {
            failures.Add($"{payments.Count} payments stored; expected {stored + 3} (setup 2 + after 1 + {stored} accepted or declined): refused requests must not be stored");
        }

        Assert.True(failures.Count == 0,
            $"{failures.Count} of {corpus.Count} cases ({store}) broke the contract:\n" + string.Join("\n", failures));
        Assert.Empty(await Invariants.BalanceMatchesPaymentsAsync(client, payments));
    }

    private static string? Judge(BadInputCase testCase, ApiResponse answer)
    {
        if (answer.Status >= 500)
        {
            return "5xx for bad input";
        }

        if (!testCase.ExpectedStatuses.Contains(answer.Status))
        {
            return $"expected status {string.Join(" or ", testCase.ExpectedStatuses)}";
        }

        if (answer.Status < 400)
        {
            return null;
        }

        if (testCase.RejectedByHttpServer && answer.Status == 400 && answer.Raw.Length == 0)
        {
            return null;
        }

        if (Api.WhyNotTypedError(answer) is { } notTyped)
        {
            return notTyped;
        }

        if (testCase.ExpectedType is { } type && answer.ErrorType != type)
        {
            return $"expected error type {type}";
        }

        return null;
    }

    private static Task<ApiResponse> Send(BadInputCase testCase, HttpClient client)
    {
        var content = testCase.Body is null ? null : Api.RawContent(testCase.Body, testCase.ContentType);
        return Api.SendAsync(client, testCase.Method, testCase.Path, content, testCase.IdempotencyKey, configure: request =>
        {
            if (testCase.Auth == Auth.Header)
            {
                request.Headers.TryAddWithoutValidation("Authorization", testCase.AuthorizationHeader);
            }

            if (testCase.Chunked)
            {
                request.Headers.TransferEncodingChunked = true;
            }

            if (testCase.ExpectContinue)
            {
                request.Headers.ExpectContinue = true;
            }
        });
    }
}
