using System.Collections.Concurrent;
using Payments.Api.Http;

namespace Payments.Api.Tests.Http;

public sealed class IdsTests
{
    [Fact]
    public void Object_ids_are_the_prefix_and_24_base62_characters_and_never_repeat_across_threads()
    {
        var ids = new ConcurrentBag<string>();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                ids.Add(Ids.New("pay_"));
            }
        });

        Assert.Equal(200_000, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids.Take(2_000), id => Assert.Matches("^pay_[0-9A-Za-z]{24}$", id));
        Assert.Matches("^acct_[0-9A-Za-z]{16}$", Ids.New("acct_", 16));
    }

    [Fact]
    public void Sortable_ids_have_the_same_shape_and_sort_by_creation_time_in_ordinal_order()
    {
        var start = new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        // A millisecond apart, a base62 carry apart (61 -> 62 ms), a year apart: later always sorts after.
        long[] times = [start, start + 1, start + 61, start + 62, start + 3_844, start + 365L * 24 * 3_600_000];
        var ids = times.Select(t => Ids.NewSortable("pay_", t)).ToList();

        Assert.All(ids, id => Assert.Matches("^pay_[0-9A-Za-z]{24}$", id));
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids[0][..(4 + Ids.TimeChars - 1)], ids[1][..(4 + Ids.TimeChars - 1)]);
    }

    [Fact]
    public void Sortable_ids_made_in_the_same_millisecond_never_repeat()
    {
        var ids = Enumerable.Range(0, 100_000).Select(_ => Ids.NewSortable("evt_", 1_700_000_000_000)).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Single(ids.Select(id => id[..(4 + Ids.TimeChars)]).Distinct());
    }

    [Fact]
    public void Every_base62_character_is_equally_likely()
    {
        // 124,000 characters, 2,000 expected per symbol. Taking bytes modulo 62 without rejecting the
        // top 8 values would make 8 symbols 25% likelier: chi-square ~850 instead of ~61 (61 degrees
        // of freedom; 140 is beyond p = 1e-8 for a fair source).
        var counts = new Dictionary<char, int>();
        for (var i = 0; i < 2_000; i++)
        {
            foreach (var c in Ids.New(string.Empty, 62))
            {
                counts[c] = counts.GetValueOrDefault(c) + 1;
            }
        }

        Assert.Equal(62, counts.Count);
        var chiSquare = counts.Values.Sum(n => (n - 2_000.0) * (n - 2_000.0) / 2_000.0);
        Assert.True(chiSquare < 140, $"chi-square {chiSquare:F1} over 62 symbols");
    }

    [Fact]
    public void Secrets_have_the_asked_length_and_never_repeat()
    {
        var secrets = Enumerable.Range(0, 1_000).Select(_ => Ids.NewSecret("sk_", 40)).ToList();

        Assert.All(secrets, s => Assert.Matches("^sk_[0-9A-Za-z]{40}$", s));
        Assert.Equal(secrets.Count, secrets.Distinct(StringComparer.Ordinal).Count());
    }
}
