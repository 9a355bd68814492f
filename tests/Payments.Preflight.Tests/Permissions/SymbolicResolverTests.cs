using System.Text;
using Payments.Preflight.Engine;
using Payments.Preflight.Loading;
using Payments.Preflight.Model;
using Payments.Preflight.Permissions;

namespace Payments.Preflight.Tests.Permissions;

/// <summary>
/// The permission model's resolver on values built to explode: nested Fn::Sub, values past the length bound, and
/// stacks whose exports import each other. Each ends as a value or as unknown, never as minutes and gigabytes.
/// </summary>
public sealed class SymbolicResolverTests
{
    [Fact]
    public void A_sub_variable_is_resolved_once_however_often_the_string_uses_it()
    {
        // 23 nested Fn::Sub of "${A}${A}${A}" in a policy's Resource.
        Assert.Equal(string.Empty, ResolveValue(NestedSub(depth: 23, innermost: ""))?.Literal);
        Assert.Equal(new string('x', 6561), ResolveValue(NestedSub(depth: 8, innermost: "x"))?.Literal);
        Assert.Null(ResolveValue(NestedSub(depth: 23, innermost: "x"))); // 3^23 characters
    }

    [Fact]
    public void A_value_longer_than_the_resolvers_cap_is_unknown_and_one_up_to_it_is_built()
    {
        var longest = ResolveValue($$"""{"Fn::Join": ["", ["{{new string('x', Resolver.MaxLength - 1)}}", "y"]]}""");
        var tooLong = ResolveValue($$"""{"Fn::Join": ["", ["{{new string('x', Resolver.MaxLength)}}", "y"]]}""");
        var manyItems = ResolveValue($$"""{"Fn::Join": ["", [{{string.Join(", ", Enumerable.Repeat("\"x\"", 400_000))}}]]}""");

        Assert.Equal(Resolver.MaxLength, longest?.Literal?.Length);
        Assert.Null(tooLong);
        Assert.Equal(new string('x', 400_000), manyItems?.Literal);
    }

    [Fact]
    public void Exports_that_import_each_other_are_unknown_where_the_cycle_closes()
    {
        // Two stacks whose exports import each other: resolving either leads back to itself.
        var a = Load("a.json", """
            {"Resources": {"R": {"Type": "AWS::SNS::Topic", "Properties": {"Value": {"Fn::ImportValue": "b-x"}}}},
             "Outputs": {"X": {"Value": {"Fn::Join": ["-", [{"Fn::ImportValue": "b-x"}, {"Fn::ImportValue": "b-x"}]]}, "Export": {"Name": "a-x"}}}}
            """);
        var b = Load("b.json", """
            {"Resources": {"R": {"Type": "AWS::SNS::Topic"}},
             "Outputs": {"Y": {"Value": {"Fn::Join": ["+", [{"Fn::ImportValue": "a-x"}, {"Fn::ImportValue": "a-x"}]]}, "Export": {"Name": "b-x"}}}}
            """);
        var model = new AccessModel([a, b]);

        var value = model.Resolver(a).Resolve(a.Resources["R"].Properties!["Value"]);

        // b-x is a-x twice, a-x is b-x twice, and the b-x inside a-x is where the cycle closes: unknown.
        Assert.Equal("{import:b-x}-{import:b-x}+{import:b-x}-{import:b-x}", value?.ToString());
    }

    /// <summary>Fn::Sub nested <paramref name="depth"/> deep, each using its variable A three times.</summary>
    private static string NestedSub(int depth, string innermost)
    {
        var json = $"\"{innermost}\"";
        for (var i = 0; i < depth; i++)
        {
            json = $$"""{"Fn::Sub": ["${A}${A}${A}", {"A": {{json}} }]}""";
        }

        return json;
    }

    /// <summary>The symbolic value of <paramref name="valueJson"/> as the property Value of a template's only resource.</summary>
    private static Sym? ResolveValue(string valueJson)
    {
        var template = Load("t.json", $$"""{"Resources": {"R": {"Type": "AWS::SNS::Topic", "Properties": {"Value": {{valueJson}} } } } }""");
        return new AccessModel([template]).Resolver(template).Resolve(template.Resources["R"].Properties!["Value"]);
    }

    private static Template Load(string path, string json) =>
        TemplateLoader.FromBytes(path, Encoding.UTF8.GetBytes(json), null, new Dictionary<string, string>());
}
