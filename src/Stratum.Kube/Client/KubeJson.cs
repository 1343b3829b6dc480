using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Stratum.Kube.Client;

/// <summary>
/// JSON for exactly the Kubernetes types Stratum reads and writes, source-generated.
/// KubernetesClient.Aot's own serializer resolves every type through one context that lists all
/// of the API's ~1,000 model types, so any call through it (its typed operations included) links
/// the metadata and converters of all of them into the native binary: ~20 MB of code and data that
/// every <c>stratum</c> process maps and rehydrates at start. Only the model classes of the
/// package are used, and they go through this context.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    Converters = [typeof(KubeTimeConverter), typeof(KubeTimeOffsetConverter)])]
[JsonSerializable(typeof(V1Status))]
[JsonSerializable(typeof(V1DeleteOptions))]
[JsonSerializable(typeof(V1Lease))]
[JsonSerializable(typeof(Corev1Event))]
[JsonSerializable(typeof(V1Node))]
[JsonSerializable(typeof(V1NodeList))]
[JsonSerializable(typeof(V1PersistentVolume))]
[JsonSerializable(typeof(V1PersistentVolumeList))]
[JsonSerializable(typeof(V1PersistentVolumeClaim))]
[JsonSerializable(typeof(V1PersistentVolumeClaimList))]
[JsonSerializable(typeof(V1StorageClass))]
[JsonSerializable(typeof(V1StorageClassList))]
[JsonSerializable(typeof(V1CSIStorageCapacity))]
[JsonSerializable(typeof(V1CSIStorageCapacityList))]
[JsonSerializable(typeof(V1VolumeAttributesClass))]
[JsonSerializable(typeof(V1VolumeAttributesClassList))]
[JsonSerializable(typeof(PodClaimsList))]
public sealed partial class KubeJson : JsonSerializerContext;

/// <summary>
/// Kubernetes times (<c>metav1.Time</c>, RFC 3339, and <c>metav1.MicroTime</c>, RFC 3339 with
/// microseconds) as UTC <see cref="DateTime"/>s. Read: any RFC 3339 form, with up to nine
/// fraction digits (Go writes nanoseconds, .NET parses at most seven). Written with microseconds,
/// which the API server accepts for both.
/// </summary>
public sealed class KubeTimeConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        KubeTimeOffsetConverter.Parse(reader.GetString()).UtcDateTime;

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var utc = value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : value.ToUniversalTime();
        writer.WriteStringValue(utc.ToString(KubeTimeOffsetConverter.Format, CultureInfo.InvariantCulture));
    }
}

/// <summary>The same for <see cref="DateTimeOffset"/>.</summary>
public sealed class KubeTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    internal const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Parse(reader.GetString());

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
    }

    internal static DateTimeOffset Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw new JsonException("a Kubernetes time is empty");
        }

        // Cut a fraction longer than .NET's seven digits (Go's RFC3339Nano has nine).
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed
            : throw new JsonException($"'{text}' is not an RFC 3339 time");
    }
}
