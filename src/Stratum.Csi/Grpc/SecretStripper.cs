using System.Collections;
using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Stratum.Csi.V1;

namespace Stratum.Csi.Grpc;

/// <summary>
/// Produces loggable copies of messages: every field the CSI spec marks <c>csi_secret</c>,
/// at any depth, is replaced by a single <c>***stripped***</c> entry.
/// </summary>
public static class SecretStripper
{
    public const string Stripped = "***stripped***";

    private static readonly ConcurrentDictionary<MessageDescriptor, bool> HasSecretsCache = new();

    /// <summary>Returns the message itself when it can hold no secret, else a stripped deep copy.</summary>
    public static IMessage Strip(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!MayHoldSecrets(message.Descriptor))
        {
            return message;
        }

        var copy = message.Descriptor.Parser.ParseFrom(message.ToByteString());
        StripInPlace(copy);
        return copy;
    }

    public static bool IsSecret(FieldDescriptor field) =>
        field.GetOptions()?.GetExtension(CsiExtensions.CsiSecret) ?? false;

    private static bool MayHoldSecrets(MessageDescriptor descriptor) =>
        HasSecretsCache.GetOrAdd(descriptor, static d => Compute(d, []));

    private static bool Compute(MessageDescriptor descriptor, HashSet<MessageDescriptor> visiting)
    {
        if (!visiting.Add(descriptor))
        {
            return false;
        }

        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            if (IsSecret(field))
            {
                return true;
            }

            if (field.FieldType == FieldType.Message && !field.IsMap && Compute(field.MessageType, visiting))
            {
                return true;
            }
        }

        return false;
    }

    private static void StripInPlace(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            var value = field.Accessor.GetValue(message);
            if (IsSecret(field))
            {
                if (value is IDictionary map && map.Count > 0)
                {
                    map.Clear();
                    if (field.MessageType.FindFieldByNumber(2).FieldType == FieldType.String)
                    {
                        map[Stripped] = Stripped;
                    }
                }
                else if (value is string text && text.Length > 0)
                {
                    field.Accessor.SetValue(message, Stripped);
                }
                else
                {
                    field.Accessor.Clear(message);
                }

                continue;
            }

            if (field.FieldType != FieldType.Message || field.IsMap || !MayHoldSecrets(field.MessageType))
            {
                continue;
            }

            if (field.IsRepeated)
            {
                foreach (var item in (IList)value)
                {
                    StripInPlace((IMessage)item);
                }
            }
            else if (value is IMessage nested)
            {
                StripInPlace(nested);
            }
        }
    }
}
