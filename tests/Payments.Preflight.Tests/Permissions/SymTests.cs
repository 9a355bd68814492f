using Payments.Preflight.Permissions;

namespace Payments.Preflight.Tests.Permissions;

public sealed class SymTests
{
    private static readonly Sym TopicArn = Sym.Concat(Sym.Lit("arn:aws:sns:"), Sym.Region, Sym.Lit(":"), Sym.Account, Sym.Lit(":"), Sym.Atom("Alerts.TopicName", identity: true));

    [Theory]
    [InlineData("arn:aws:sns:*", "arn:aws:sns:eu-west-1:111122223333:alerts", "Yes")]
    [InlineData("arn:aws:sns:eu-west-1:111122223333:alert?", "arn:aws:sns:eu-west-1:111122223333:alerts", "Yes")]
    [InlineData("arn:aws:sns:eu-west-1:111122223333:alert?", "arn:aws:sns:eu-west-1:111122223333:alert", "No")]
    [InlineData("arn:aws:sns:*:*:al*ts", "arn:aws:sns:eu-west-1:111122223333:alerts", "Yes")]
    [InlineData("arn:aws:sns:eu-west-1:111122223333:Alerts", "arn:aws:sns:eu-west-1:111122223333:alerts", "No")]
    [InlineData("*", "", "Yes")]
    [InlineData("a*b*c", "abXbYc", "Yes")]
    [InlineData("a*b*c", "abXbY", "No")]
    public void Literal_glob_matching(string pattern, string value, string expected) =>
        Assert.Equal(Enum.Parse<Tri>(expected), Sym.Lit(pattern).Matches(Sym.Lit(value)));

    [Fact]
    public void Case_folds_only_when_asked() =>
        Assert.Equal((Tri.No, Tri.Yes), (Sym.Lit("SNS:publish").Matches(Sym.Lit("sns:Publish")), Sym.Lit("SNS:publish").Matches(Sym.Lit("sns:Publish"), ignoreCase: true)));

    [Fact]
    public void A_star_absorbs_atoms_for_certain() =>
        Assert.Equal(Tri.Yes, Sym.Lit("arn:aws:sns:*").Matches(TopicArn));

    [Fact]
    public void An_atom_facing_literal_text_is_unknown() =>
        Assert.Equal(Tri.Unknown, Sym.Lit("arn:aws:sns:eu-west-1:111122223333:alerts").Matches(TopicArn));

    [Fact]
    public void Literal_text_that_cannot_line_up_is_no_whatever_the_atoms_are() =>
        Assert.Equal(Tri.No, Sym.Lit("arn:aws:sqs:*").Matches(TopicArn));

    [Fact]
    public void The_same_atom_is_the_same_value() =>
        Assert.Equal(Tri.Yes, TopicArn.SameValue(Sym.Concat(Sym.Lit("arn:aws:sns:"), Sym.Region, Sym.Lit(":"), Sym.Account, Sym.Lit(":"), Sym.Atom("Alerts.TopicName", identity: true))));

    [Fact]
    public void Two_identity_atoms_are_different_resources_other_atoms_may_be_equal()
    {
        Assert.Equal(Tri.No, Sym.Atom("A.Name", identity: true).SameValue(Sym.Atom("B.Name", identity: true)));
        Assert.Equal(Tri.Unknown, Sym.Atom("Param").SameValue(Sym.Atom("B.Name", identity: true)));
    }

    [Fact]
    public void An_atom_may_be_empty_unless_it_names_a_resource()
    {
        Assert.Equal(Tri.Unknown, Sym.Lit("prefix").SameValue(Sym.Lit("prefix") + Sym.Atom("Suffix")));
        Assert.Equal(Tri.No, Sym.Lit("prefix").SameValue(Sym.Lit("prefix") + Sym.Atom("Bucket.Name", identity: true)));
    }

    [Fact]
    public void Split_keeps_atoms_inside_their_piece()
    {
        var pieces = TopicArn.Split(':');

        Assert.Equal(["arn", "aws", "sns", "{AWS::Region}", "{AWS::AccountId}", "{Alerts.TopicName}"], pieces.Select(p => p.ToString()));
        Assert.Equal(Sym.Account, pieces[4]);
    }

    [Fact]
    public void Adjacent_literals_merge_so_equal_text_is_equal_syms()
    {
        var joined = Sym.Lit("arn:aws:") + "sns";

        Assert.Equal(Sym.Lit("arn:aws:sns"), joined);
        Assert.Equal("arn:aws:sns", joined.Literal);
        Assert.Null(TopicArn.Literal);
    }
}
