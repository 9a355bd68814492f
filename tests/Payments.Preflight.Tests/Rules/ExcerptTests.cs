using Payments.Preflight.Rules;

namespace Payments.Preflight.Tests.Rules;

/// <summary>How findings and reports quote text from a template: whole when short, else its start and end around "…".</summary>
public sealed class ExcerptTests
{
    [Fact]
    public void Text_up_to_the_limit_is_shown_whole()
    {
        var logicalId = new string('A', 255);

        Assert.Same(logicalId, Excerpt.Of(logicalId));
    }

    [Fact]
    public void Longer_text_keeps_its_start_and_end_within_the_limit()
    {
        var excerpt = Excerpt.Of("arn:aws:sqs:eu-west-1:111122223333:" + new string('q', 10_000) + "-dead-letters");

        Assert.Equal(Excerpt.MaxValue, excerpt.Length);
        Assert.StartsWith("arn:aws:sqs:eu-west-1:111122223333:qqq", excerpt, StringComparison.Ordinal);
        Assert.EndsWith("qqq-dead-letters", excerpt, StringComparison.Ordinal);
        Assert.Contains("q…q", excerpt, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(40)]
    [InlineData(44)]
    [InlineData(256)]
    public void A_surrogate_pair_is_never_cut_in_half(int max)
    {
        var excerpt = Excerpt.Of(string.Concat(Enumerable.Repeat("😀", 1_000)), max);

        Assert.True(excerpt.Length <= max);
        Assert.Equal(excerpt.Length - 1, excerpt.Count(char.IsSurrogate));
        Assert.All(excerpt.Split('…'), part => Assert.Equal(0, part.Length % 2));
    }
}
