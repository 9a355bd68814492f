namespace Payments.Api.Payments;

public static class Cards
{
    public static bool IsLuhnValid(string digits)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return sum % 10 == 0;
    }

    public static string Brand(string number)
    {
        static int Prefix(string n, int length) => int.Parse(n.AsSpan(0, length), System.Globalization.CultureInfo.InvariantCulture);

        if (number.StartsWith('4'))
        {
            return "visa";
        }

        var two = Prefix(number, 2);
        var four = Prefix(number, 4);
        var three = Prefix(number, 3);
        return two switch
        {
            34 or 37 => "amex",
            >= 51 and <= 55 => "mastercard",
            35 => "jcb",
            36 or 38 or 39 => "diners",
            62 => "unionpay",
            65 => "discover",
            _ when four is >= 2221 and <= 2720 => "mastercard",
            _ when four == 6011 || three is >= 644 and <= 649 => "discover",
            _ when three is >= 300 and <= 305 => "diners",
            _ => "unknown",
        };
    }
}
