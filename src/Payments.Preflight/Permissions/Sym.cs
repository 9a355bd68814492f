using System.Text;

namespace Payments.Preflight.Permissions;

/// <summary>
/// A piece of a symbolic value: literal text, or an atom standing for a value the template does not fix
/// (a generated resource name, the account ID). Two identity atoms with different names are different values
/// (two resources never share a physical name); any other atom may be anything.
/// </summary>
internal readonly record struct SymPart(string Text, bool IsAtom, bool IsIdentity = false);

/// <summary>
/// A string as far as the templates fix it: literal text with atoms for what only deploy time decides, e.g.
/// <c>arn:aws:sns:{AWS::Region}:{AWS::AccountId}:{Alerts.TopicName}</c>. Policy patterns are Syms too; their
/// literal text may hold the wildcards <c>*</c> and <c>?</c>.
/// </summary>
internal sealed class Sym : IEquatable<Sym>
{
    public static readonly Sym Empty = new(Array.Empty<SymPart>());
    public static readonly Sym Account = Atom("AWS::AccountId");
    public static readonly Sym Region = Atom("AWS::Region");

    // Normalized (no empty literal, no two literals in a row) and never changed: derived forms are cached.
    private readonly SymPart[] parts;
    private static readonly string NoOpaqueForm = new('\0', 1);
    private string? key;
    private string? opaque;
    private IReadOnlyList<Sym>? colonPieces;

    public Sym(IReadOnlyList<SymPart> parts)
        : this(Normalize(parts))
    {
    }

    private Sym(SymPart[] normalized)
    {
        parts = normalized;
        IsLiteral = true;
        foreach (var part in normalized)
        {
            IsLiteral &= !part.IsAtom;
        }
    }

    public IReadOnlyList<SymPart> Parts => parts;

    public bool IsLiteral { get; }

    /// <summary>The text when no atom is left, else null.</summary>
    public string? Literal => !IsLiteral ? null : parts.Length == 0 ? string.Empty : parts[0].Text;

    /// <summary>The value as a dictionary key: atoms marked so that they never equal literal text.</summary>
    public string Key => key ??= KeyOf(parts);

    public static Sym Lit(string text) => new(text.Length == 0 ? Array.Empty<SymPart>() : new[] { new SymPart(text, false) });

    public static Sym Atom(string name, bool identity = false) => new(new[] { new SymPart(name, true, identity) });

    public static Sym Concat(params Sym[] pieces)
    {
        var count = 0;
        foreach (var piece in pieces)
        {
            count += piece.parts.Length;
        }

        var result = new SymPart[count];
        var length = 0;
        foreach (var piece in pieces)
        {
            foreach (var part in piece.parts)
            {
                Append(result, ref length, part);
            }
        }

        return new Sym(length == count ? result : result[..length]);
    }

    public static Sym operator +(Sym a, Sym b) => Concat(a, b);

    public static Sym operator +(Sym a, string b) => Concat(a, Lit(b));

    public static Sym operator +(string a, Sym b) => Concat(Lit(a), b);
    public bool StartsWith(string prefix) => Parts.Count > 0 && !Parts[0].IsAtom && Parts[0].Text.StartsWith(prefix, StringComparison.Ordinal);

    /// <summary>Splits on a literal separator; atoms stay inside their piece.</summary>
    public IReadOnlyList<Sym> Split(char separator) =>
        separator == ':' ? colonPieces ??= SplitOn(separator) : SplitOn(separator);

    private List<Sym> SplitOn(char separator)
    {
        var pieces = new List<Sym>();
        var current = new List<SymPart>();
        foreach (var part in Parts)
        {
            if (part.IsAtom)
            {
                current.Add(part);
                continue;
            }

            var chunks = part.Text.Split(separator);
            for (var i = 0; i < chunks.Length; i++)
            {
                if (i > 0)
                {
                    pieces.Add(new Sym(current));
                    current = [];
                }

                if (chunks[i].Length > 0)
                {
                    current.Add(new SymPart(chunks[i], false));
                }
            }
        }

        pieces.Add(new Sym(current));
        return pieces;
    }

    /// <summary>Equality as values: Yes when certainly equal, No when certainly different, else Unknown.</summary>
    public Tri SameValue(Sym other, bool ignoreCase = false)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Equals(other))
        {
            return Tri.Yes;
        }

        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (IsLiteral && other.IsLiteral)
        {
            return TriLogic.Of(string.Equals(Literal, other.Literal, comparison));
        }

        // The model compares many ARNs that differ in their literal head or tail: decide those without the matcher.
        return LiteralEndsDiffer(this, other, comparison, wildcards: false) ? Tri.No : Matcher.Match(this, other, wildcards: false, ignoreCase);
    }

    /// <summary>Does this policy pattern (with * and ?) match <paramref name="value"/>?</summary>
    public Tri Matches(Sym value, bool ignoreCase = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (Parts is [{ IsAtom: false, Text: "*" }])
        {
            return Tri.Yes;
        }

        return LiteralEndsDiffer(this, value, comparison, wildcards: true) ? Tri.No : Matcher.Match(this, value, wildcards: true, ignoreCase);
    }

    /// <summary>
    /// True when the literal text both start with (or both end with) already differs, before any atom or
    /// wildcard: then no reading of the atoms can make them match.
    /// </summary>
    private static bool LiteralEndsDiffer(Sym pattern, Sym value, StringComparison comparison, bool wildcards)
    {
        if (pattern.Parts.Count == 0 || value.Parts.Count == 0)
        {
            return false;
        }

        static int Fixed(string text, bool wildcards, bool fromEnd)
        {
            if (!wildcards)
            {
                return text.Length;
            }

            var index = fromEnd ? text.LastIndexOfAny(['*', '?']) : text.IndexOfAny(['*', '?']);
            return index < 0 ? text.Length : fromEnd ? text.Length - index - 1 : index;
        }

        var (p0, v0) = (pattern.Parts[0], value.Parts[0]);
        if (!p0.IsAtom && !v0.IsAtom)
        {
            var n = Math.Min(Fixed(p0.Text, wildcards, fromEnd: false), v0.Text.Length);
            if (string.Compare(p0.Text, 0, v0.Text, 0, n, comparison) != 0)
            {
                return true;
            }
        }

        var (p1, v1) = (pattern.Parts[^1], value.Parts[^1]);
        if (!p1.IsAtom && !v1.IsAtom)
        {
            var n = Math.Min(Fixed(p1.Text, wildcards, fromEnd: true), v1.Text.Length);
            if (string.Compare(p1.Text, p1.Text.Length - n, v1.Text, v1.Text.Length - n, n, comparison) != 0)
            {
                return true;
            }
        }

        return false;
    }

    public bool Equals(Sym? other) => other is not null && parts.AsSpan().SequenceEqual(other.parts);

    public override bool Equals(object? obj) => obj is Sym other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var part in Parts)
        {
            hash.Add(part);
        }

        return hash.ToHashCode();
    }

    public override string ToString()
    {
        var builder = new StringBuilder();
        foreach (var part in Parts)
        {
            builder.Append(part.IsAtom ? $"{{{part.Text}}}" : part.Text);
        }

        return builder.ToString();
    }

    private static SymPart[] Normalize(IReadOnlyList<SymPart> parts)
    {
        var result = new SymPart[parts.Count];
        var length = 0;
        var i = 0;
        while (i < parts.Count)
        {
            if (parts[i].IsAtom)
            {
                result[length++] = parts[i++];
                continue;
            }

            // A run of literal parts is joined once: joining them one by one would copy the run's text again for
            // each part (an Fn::Join of many items).
            var end = i + 1;
            while (end < parts.Count && !parts[end].IsAtom)
            {
                end++;
            }

            var text = end - i == 1 ? parts[i].Text : string.Concat(Texts(parts, i, end));
            if (text.Length > 0)
            {
                result[length++] = new SymPart(text, false);
            }

            i = end;
        }

        return length == result.Length ? result : result[..length];

        static IEnumerable<string> Texts(IReadOnlyList<SymPart> parts, int from, int to)
        {
            for (var k = from; k < to; k++)
            {
                yield return parts[k].Text;
            }
        }
    }

    /// <summary>Appends a part, dropping empty text and joining text that follows text.</summary>
    private static void Append(SymPart[] result, ref int length, SymPart part)
    {
        if (part.IsAtom)
        {
            result[length++] = part;
        }
        else if (part.Text.Length == 0)
        {
            return;
        }
        else if (length > 0 && !result[length - 1].IsAtom)
        {
            result[length - 1] = new SymPart(result[length - 1].Text + part.Text, false);
        }
        else
        {
            result[length++] = new SymPart(part.Text, false);
        }
    }

    private static string KeyOf(SymPart[] parts)
    {
        if (parts is [{ IsAtom: false } only])
        {
            return only.Text;
        }

        var builder = new StringBuilder();
        foreach (var part in parts)
        {
            if (part.IsAtom)
            {
                builder.Append('\u0001').Append(part.Text).Append('\u0002');
            }
            else
            {
                builder.Append(part.Text);
            }
        }

        return builder.ToString();
    }

    /// <summary>The value as text with each atom as one private-use character (cached), or null; see <see cref="Matcher"/>.</summary>
    private string? Opaque()
    {
        // one field, so that threads sharing the model never see a half-written cache
        var form = opaque ??= Matcher.Opaque(this) ?? NoOpaqueForm;
        return ReferenceEquals(form, NoOpaqueForm) ? null : form;
    }

    /// <summary>
    /// Three-valued glob matching over characters and atoms. A pattern `*` absorbs atoms for certain; an atom
    /// facing literal text could be that text or not (unknown); two atoms are equal when they are the same atom,
    /// different when both are identities of different resources, and unknown otherwise.
    /// </summary>
    private static class Matcher
    {
        private readonly record struct Token(char Char, SymPart? Atom);

        public static Tri Match(Sym pattern, Sym value, bool wildcards, bool ignoreCase)
        {
            // A match with every atom taken as an opaque symbol that equals only itself is a match whatever the
            // atoms stand for: found by a linear glob, it answers most calls without the three-valued search.
            if (wildcards && pattern.Opaque() is { } opaquePattern && value.Opaque() is { } opaqueValue)
            {
                if (Glob(opaquePattern, opaqueValue, ignoreCase))
                {
                    return Tri.Yes;
                }

                // without atoms the glob is the whole answer
                if (pattern.IsLiteral && value.IsLiteral)
                {
                    return Tri.No;
                }
            }

            var p = Tokens(pattern);
            var v = Tokens(value);
            // memo[i * width + j]: does p[i..] match v[j..] (0 = not yet known, else the Tri + 1); pooled, as the
            // model runs this search many times per template
            var width = v.Length + 1;
            var size = (p.Length + 1) * width;
            var memo = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
            Array.Clear(memo, 0, size);
            try
            {
                return Solve(0, 0);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(memo);
            }

            Tri Solve(int i, int j)
            {
                if (memo[(i * width) + j] is > 0 and var known)
                {
                    return (Tri)(known - 1);
                }

                Tri result;
                if (i == p.Length)
                {
                    result = j == v.Length ? Tri.Yes : OnlyNonIdentityAtoms(v, j) ? Tri.Unknown : Tri.No;
                }
                else if (wildcards && p[i].Atom is null && p[i].Char == '*')
                {
                    result = Solve(i + 1, j);
                    if (result != Tri.Yes && j < v.Length)
                    {
                        result = result.Or(Solve(i, j + 1));
                    }
                }
                else if (j == v.Length)
                {
                    result = p[i].Atom is { IsIdentity: false } ? Solve(i + 1, j).And(Tri.Unknown) : Tri.No;
                }
                else if ((p[i].Atom is null) != (v[j].Atom is null))
                {
                    result = Tri.Unknown;
                }
                else
                {
                    var here = Step(p[i], v[j], wildcards, ignoreCase);
                    result = here == Tri.No ? Tri.No : here.And(Solve(i + 1, j + 1));
                }

                memo[(i * width) + j] = (byte)((byte)result + 1);
                return result;
            }
        }

        private static bool OnlyNonIdentityAtoms(Token[] tokens, int from)
        {
            for (var k = from; k < tokens.Length; k++)
            {
                if (tokens[k].Atom is not { IsIdentity: false })
                {
                    return false;
                }
            }

            return true;
        }

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, char> AtomSymbols = new(StringComparer.Ordinal);
        private static int atomCount;

        /// <summary>The value as text with each atom as one private-use character; null if text already uses them.</summary>
        public static string? Opaque(Sym sym)
        {
            if (sym.parts is [{ IsAtom: false } only])
            {
                return only.Text.AsSpan().IndexOfAnyInRange('\uE000', '\uF8FF') >= 0 ? null : only.Text;
            }

            var builder = new StringBuilder();
            foreach (var part in sym.Parts)
            {
                if (part.IsAtom)
                {
                    var symbol = AtomSymbols.GetOrAdd(part.Text, static _ => (char)Math.Min(0xE000 + Interlocked.Increment(ref atomCount), 0xF900));
                    if (symbol > '\uF8FF')
                    {
                        return null;
                    }

                    builder.Append(symbol);
                }
                else if (part.Text.Any(static c => c is >= '\uE000' and <= '\uF8FF'))
                {
                    return null;
                }
                else
                {
                    builder.Append(part.Text);
                }
            }

            return builder.ToString();
        }

        /// <summary>Classic linear glob matching with backtracking to the last `*` (`?` is any one character).</summary>
        private static bool Glob(string pattern, string value, bool ignoreCase)
        {
            int p = 0, v = 0, star = -1, mark = 0;
            while (v < value.Length)
            {
                if (p < pattern.Length && (pattern[p] == '?' && !IsAtom(value[v]) || Same(pattern[p], value[v], ignoreCase)))
                {
                    p++;
                    v++;
                }
                else if (p < pattern.Length && pattern[p] == '*')
                {
                    star = p++;
                    mark = v;
                }
                else if (star >= 0)
                {
                    p = star + 1;
                    v = ++mark;
                }
                else
                {
                    return false;
                }
            }

            while (p < pattern.Length && pattern[p] == '*')
            {
                p++;
            }

            return p == pattern.Length;

            static bool IsAtom(char c) => c is >= '\uE000' and <= '\uF8FF';
            static bool Same(char a, char b, bool ignoreCase) => a == b || (ignoreCase && !IsAtom(a) && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));
        }

        private static Tri Step(Token pattern, Token value, bool wildcards, bool ignoreCase)
        {
            if (pattern.Atom is { } patternAtom)
            {
                if (value.Atom is { } valueAtom)
                {
                    if (patternAtom.Text == valueAtom.Text)
                    {
                        return Tri.Yes;
                    }

                    return patternAtom.IsIdentity && valueAtom.IsIdentity ? Tri.No : Tri.Unknown;
                }

                return Tri.Unknown;
            }

            if (value.Atom is not null)
            {
                return Tri.Unknown;
            }

            if (wildcards && pattern.Char == '?')
            {
                return Tri.Yes;
            }

            return ignoreCase
                ? TriLogic.Of(char.ToUpperInvariant(pattern.Char) == char.ToUpperInvariant(value.Char))
                : TriLogic.Of(pattern.Char == value.Char);
        }

        private static Token[] Tokens(Sym sym)
        {
            var count = 0;
            foreach (var part in sym.parts)
            {
                count += part.IsAtom ? 1 : part.Text.Length;
            }

            var tokens = new Token[count];
            var next = 0;
            foreach (var part in sym.parts)
            {
                if (part.IsAtom)
                {
                    tokens[next++] = new Token('\0', part);
                }
                else
                {
                    foreach (var c in part.Text)
                    {
                        tokens[next++] = new Token(c, null);
                    }
                }
            }

            return tokens;
        }
    }
}
