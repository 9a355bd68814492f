using Payments.Preflight.Model;

namespace Payments.Preflight.Tests;

/// <summary>How the placeholders of an Fn::Sub string are found, the one reading the resolvers and PF014/PF015 share.</summary>
public sealed class SubTextTests
{
    [Theory]
    [InlineData("arn:${AWS::Partition}:s3:::${Bucket}/*", "AWS::Partition|Bucket")]
    [InlineData("${!Literal}-${Name}", "!Literal|Name")]
    [InlineData("${a${b}-${c}", "a${b|c")]
    [InlineData("${}", "")]
    [InlineData("no placeholders, } and $ alone", null)]
    [InlineData("${Name}-${Unclosed", "Name")]
    [InlineData("${${${", null)]
    public void Each_placeholder_runs_from_its_dollar_brace_to_the_first_closing_brace(string text, string? names)
    {
        var placeholders = SubText.Placeholders(text).ToList();

        Assert.Equal(names?.Split('|') ?? [], placeholders.Select(p => p.Name));
        Assert.All(placeholders, p => Assert.Equal($"${{{p.Name}}}", text[p.Start..p.End]));
    }

    [Fact]
    public void Only_a_bang_placeholder_is_literal() =>
        Assert.Equal([true, false], SubText.Placeholders("${!Literal}${Name}").Select(p => p.IsLiteral));

    [Fact]
    public void A_string_of_unclosed_placeholders_has_none_and_is_read_once()
    {
        // 2,000,000 "${" and no "}": a search that restarted at each "${" would read the string 2,000,000 times.
        var text = string.Concat(Enumerable.Repeat("${", 2_000_000)) + "tail";

        Assert.Empty(SubText.Placeholders(text));
    }
}
