using System.Text;

namespace Stratum.Config;

/// <summary>
/// Loads and validates a Stratum configuration file. Every problem is collected before failing, so
/// one start-up reports everything wrong with the file at once.
/// </summary>
public static class ConfigLoader
{
    /// <summary>A configuration is a few hundred bytes; this refuses a wrong path to a disk image or device.</summary>
    public const int MaxFileChars = 1 << 20;

    /// <summary>UTF-8 that refuses invalid byte sequences instead of replacing them (a name must never come out of binary noise).</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The configuration used when none is given: one default thick class named <c>default</c>
    /// on volume group <c>stratum</c>, ext4, nothing kept spare (the same as examples/config.yaml).
    /// </summary>
    public static StratumConfig BuiltInDefault { get; } = LoadFromText(
        """
        deviceClasses:
          - name: default
            volumeGroup: stratum
            default: true
        """,
        "(built-in default)");

    /// <summary>
    /// Reads <paramref name="path"/> (UTF-8, BOM allowed). Problems are reported against the path as given.
    /// </summary>
    /// <exception cref="ConfigException">The file is missing, unreadable, not YAML or not a valid configuration.</exception>
    public static StratumConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return LoadFromText(ReadFile(path), path);
    }

    /// <summary>Parses and validates <paramref name="yaml"/>; <paramref name="sourceName"/> prefixes every problem.</summary>
    /// <exception cref="ConfigException">The text is not YAML or not a valid configuration.</exception>
    public static StratumConfig LoadFromText(string yaml, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        return ConfigReader.Read(yaml, sourceName);
    }

    internal static string ReadFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw FileProblem(path, "is a directory, not a configuration file");
        }

        try
        {
            using var reader = new StreamReader(path, StrictUtf8, detectEncodingFromByteOrderMarks: true);
            var buffer = new char[MaxFileChars + 1];
            var length = reader.ReadBlock(buffer, 0, buffer.Length);
            if (length > MaxFileChars)
            {
                throw FileProblem(path, $"is larger than {MaxFileChars} characters; is it really the configuration file?");
            }

            var nul = Array.IndexOf(buffer, '\0', 0, length);
            return nul >= 0
                ? throw FileProblem(path, $"holds a NUL character (line {buffer.AsSpan(0, nul).Count('\n') + 1}): it is binary data, not a configuration file")
                : new string(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            throw FileProblem(path, "is not UTF-8 text (it holds a byte sequence UTF-8 does not allow); is it really the configuration file?");
        }
        catch (FileNotFoundException)
        {
            throw FileProblem(path, "file not found");
        }
        catch (DirectoryNotFoundException)
        {
            throw FileProblem(path, "file not found (its directory does not exist)");
        }
        catch (UnauthorizedAccessException)
        {
            throw FileProblem(path, "cannot read the file: permission denied");
        }
        catch (IOException e)
        {
            throw FileProblem(path, "cannot read the file: " + e.Message);
        }
    }

    private static ConfigException FileProblem(string path, string message) =>
        new(new ConfigProblem(path, 0, 0, message));
}
