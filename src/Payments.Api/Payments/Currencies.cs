using System.Collections.Frozen;

namespace Payments.Api.Payments;

/// <summary>
/// ISO 4217 currencies with their minor-unit exponents (amounts on the wire are integers in minor
/// units: cents for usd, yen for jpy, fils/1000 for kwd). Funds and metal codes without an exponent
/// (xau, xdr, xts, …) are not payable and are absent.
/// </summary>
public static class Currencies
{
    private static readonly string[] ZeroDecimal =
        ["bif", "clp", "djf", "gnf", "isk", "jpy", "kmf", "krw", "pyg", "rwf", "ugx", "uyi", "vnd", "vuv", "xaf", "xof", "xpf"];

    private static readonly string[] ThreeDecimal = ["bhd", "iqd", "jod", "kwd", "lyd", "omr", "tnd"];

    private static readonly string[] FourDecimal = ["clf", "uyw"];

    private static readonly string[] TwoDecimal =
    [
        "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt", "bgn", "bmd",
        "bnd", "bob", "bov", "brl", "bsd", "btn", "bwp", "byn", "bzd", "cad", "cdf", "che", "chf", "chw", "cny",
        "cop", "cou", "crc", "cup", "cve", "czk", "dkk", "dop", "dzd", "egp", "ern", "etb", "eur", "fjd", "fkp",
        "gbp", "gel", "ghs", "gip", "gmd", "gtq", "gyd", "hkd", "hnl", "htg", "huf", "idr", "ils", "inr", "irr",
        "jmd", "kes", "kgs", "khr", "kpw", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl", "mga",
        "mkd", "mmk", "mnt", "mop", "mru", "mur", "mvr", "mwk", "mxn", "mxv", "myr", "mzn", "nad", "ngn", "nio",
        "nok", "npr", "nzd", "pab", "pen", "pgk", "php", "pkr", "pln", "qar", "ron", "rsd", "rub", "sar", "sbd",
        "scr", "sdg", "sek", "sgd", "shp", "sle", "sos", "srd", "ssp", "stn", "svc", "syp", "szl", "thb", "tjs",
        "tmt", "top", "try", "ttd", "twd", "tzs", "uah", "usd", "usn", "uyu", "uzs", "ves", "ved", "wst", "xcd",
        "xcg", "yer", "zar", "zmw", "zwg",
    ];

    private static readonly FrozenDictionary<string, int> Exponents = ZeroDecimal.Select(c => (c, 0))
        .Concat(TwoDecimal.Select(c => (c, 2)))
        .Concat(ThreeDecimal.Select(c => (c, 3)))
        .Concat(FourDecimal.Select(c => (c, 4)))
        .ToFrozenDictionary(p => p.c, p => p.Item2, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Codes => Exponents.Keys;

    /// <summary>True for a lowercase ISO 4217 code; uppercase is rejected so the wire has one spelling.</summary>
    public static bool TryGetExponent(string code, out int exponent) => Exponents.TryGetValue(code, out exponent);
}
