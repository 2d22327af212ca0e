using System.Globalization;
using System.Numerics;

namespace Diffusion.Cli.Commands;

/// <summary>
/// An option's comma-separated numbers (<c>--loads 0.5,1,1.5</c>), read the same way by every command: invariant
/// culture whatever the machine's locale, blanks around items ignored, and an error that names the option and the item.
/// </summary>
public static class NumberList
{
    /// <exception cref="FormatException">An item is not a number of <typeparamref name="T"/>'s kind, or there is none.</exception>
    public static T[] Parse<T>(string list, string option) where T : INumber<T>
    {
        var style = typeof(T).GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IBinaryInteger<>))
            ? NumberStyles.Integer : NumberStyles.Float;
        var items = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0)
        {
            throw new FormatException($"{option} takes one or more comma-separated numbers (got '{list}').");
        }

        var numbers = new T[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            if (!T.TryParse(items[i], style, CultureInfo.InvariantCulture, out T? number))
            {
                string kind = style == NumberStyles.Integer ? "a whole number (e.g. 100,1000)" : "a number (e.g. 0.5,1,1.5)";
                throw new FormatException($"{option} takes comma-separated numbers: '{items[i]}' is not {kind}.");
            }
            numbers[i] = number;
        }
        return numbers;
    }
}
