using System.Text;

namespace Stratum.Benchmarks;

/// <summary>Splits a command line as the command runner renders it for its log (bare words and '...' with '\'' inside).</summary>
internal static class ShellWords
{
    public static IReadOnlyList<string> Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\'')
            {
                inWord = true;
                var end = line.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw new FormatException($"unterminated quote in: {line}");
                }

                word.Append(line, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                inWord = true;
                word.Append(line[++i]);
            }
            else if (c == ' ')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                inWord = true;
                word.Append(c);
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
