namespace Payments.Preflight.Permissions;

/// <summary>Three-valued truth: what the templates prove, disprove, or cannot tell.</summary>
internal enum Tri : byte
{
    No = 0,
    Unknown = 1,
    Yes = 2,
}

internal static class TriLogic
{
    public static Tri Of(bool value) => value ? Tri.Yes : Tri.No;

    public static Tri Or(this Tri a, Tri b) => a > b ? a : b;

    public static Tri And(this Tri a, Tri b) => a < b ? a : b;

    public static Tri Not(this Tri a) => a switch
    {
        Tri.Yes => Tri.No,
        Tri.No => Tri.Yes,
        _ => Tri.Unknown,
    };

    public static Tri Any<T>(IEnumerable<T> items, Func<T, Tri> test)
    {
        var result = Tri.No;
        foreach (var item in items)
        {
            result = result.Or(test(item));
            if (result == Tri.Yes)
            {
                return Tri.Yes;
            }
        }

        return result;
    }

    public static Tri All<T>(IEnumerable<T> items, Func<T, Tri> test)
    {
        var result = Tri.Yes;
        foreach (var item in items)
        {
            result = result.And(test(item));
            if (result == Tri.No)
            {
                return Tri.No;
            }
        }

        return result;
    }
}
