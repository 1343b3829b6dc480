using System.Collections;
using System.CommandLine;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Stratum.Config;
using Stratum.Csi;
using Stratum.Csi.Grpc;
using Stratum.Csi.V1;

namespace Stratum.Cli.Commands;

/// <summary>
/// <c>stratum csi RPC</c>: call any CSI RPC of a running plugin, like the Go <c>csc</c> tool.
/// One sub-command per RPC; its flags are derived from the request message's fields.
/// </summary>
internal static class CsiCommand
{
    private static readonly string[] CapabilityRpcs = ["CreateVolume", "ValidateVolumeCapabilities", "NodeStageVolume", "NodePublishVolume"];

    public static Command Create()
    {
        var endpoint = new Option<string>("--endpoint")
        {
            Description = $"The plugin to call: unix:///PATH or tcp://IP:PORT. Default: $CSI_ENDPOINT or {NodeCommand.DefaultEndpoint}.",
            Recursive = true,
        };
        var timeout = OptionValues.Number("--timeout", "Seconds to wait for the answer (sent as the call's deadline).", "seconds", 60);
        timeout.Recursive = true;
        var json = new Option<bool>("--json")
        {
            Description = "Print the response as JSON (protobuf JSON mapping) instead of key: value lines.",
            Recursive = true,
        };

        var csi = new Command("csi", "Call a CSI RPC of a running plugin.") { endpoint, timeout, json };
        foreach (var method in CsiMethods.Services.SelectMany(s => s.Methods))
        {
            csi.Subcommands.Add(CreateRpcCommand(method, endpoint, timeout, json));
        }

        return csi;
    }

    /// <summary><c>NodeStageVolume</c> becomes <c>node-stage-volume</c>.</summary>
    internal static string KebabCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
            {
                builder.Append('-');
            }

            builder.Append(c == '_' ? '-' : char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }

    private static Command CreateRpcCommand(MethodDescriptor method, Option<string> endpoint, Option<double> timeout, Option<bool> json)
    {
        var command = new Command(KebabCase(method.Name), $"Call {method.Service.Name}.{method.Name}.");
        command.Aliases.Add(method.Name);
        var request = new Option<string?>("--request") { Description = $"The {method.InputType.Name} as protobuf JSON; the other flags override its fields." };
        command.Options.Add(request);
        var builder = new RequestBuilder(method, command, CapabilityRpcs.Contains(method.Name));

        command.SetAction(async (result, cancellationToken) =>
        {
            var message = builder.Build(result, result.GetValue(request));
            var parsed = ResolveEndpoint(result.GetValue(endpoint));
            var seconds = PositiveSeconds(result.GetValue(timeout));

            using var client = new CsiClient(parsed);
            try
            {
                var response = await client.CallAsync(method, message, TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
                await ResponsePrinter.PrintAsync(response, result.GetValue(json), result.InvocationConfiguration.Output).ConfigureAwait(false);
                return 0;
            }
            catch (RpcException ex)
            {
                await result.InvocationConfiguration.Error.WriteLineAsync($"{method.Name} failed: {ex.StatusCode.ToWireName()}: {ex.Status.Detail}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    /// <summary>The plugin endpoint to call: the flag, else $CSI_ENDPOINT, else the default socket.</summary>
    internal static ServerEndpoint ResolveEndpoint(string? value)
    {
        var target = value is { Length: > 0 } ? value
            : Environment.GetEnvironmentVariable("CSI_ENDPOINT") is { Length: > 0 } env ? env
            : NodeCommand.DefaultEndpoint;
        return ServerEndpoint.TryParse(target, out var parsed, out var error) ? parsed : throw new UsageException($"--endpoint: {error}");
    }

    internal static double PositiveSeconds(double seconds) =>
        seconds > 0 ? seconds : throw new UsageException("--timeout must be positive");

    /// <summary>Maps flags onto the fields of one request message type.</summary>
    private sealed class RequestBuilder
    {
        private readonly MethodDescriptor _method;
        private readonly bool _capabilityRequired;
        private readonly List<Action<ParseResult, IMessage>> _setters = [];

        public RequestBuilder(MethodDescriptor method, Command command, bool capabilityRequired)
        {
            _method = method;
            _capabilityRequired = capabilityRequired;
            foreach (var field in method.InputType.Fields.InDeclarationOrder())
            {
                AddField(command, field);
            }
        }

        public IMessage Build(ParseResult result, string? json)
        {
            IMessage message;
            try
            {
                message = json is null
                    ? _method.InputType.Parser.ParseFrom(ByteString.Empty)
                    : JsonParser.Default.Parse(json, _method.InputType);
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw new UsageException($"--request is not a valid {_method.InputType.Name}: {ex.Message}");
            }
            catch (InvalidJsonException ex)
            {
                throw new UsageException($"--request is not valid JSON: {ex.Message}");
            }

            foreach (var setter in _setters)
            {
                setter(result, message);
            }

            return message;
        }

        private void AddField(Command command, FieldDescriptor field)
        {
            var flag = "--" + KebabCase(field.Name);
            if (field.IsMap)
            {
                var option = new Option<string[]>(flag) { Description = $"{field.Name} entry KEY=VALUE; repeat for several." };
                command.Options.Add(option);
                _setters.Add((result, message) =>
                {
                    var map = (IDictionary)field.Accessor.GetValue(message);
                    foreach (var pair in result.GetValue(option) ?? [])
                    {
                        var eq = pair.IndexOf('=', StringComparison.Ordinal);
                        if (eq <= 0)
                        {
                            throw new UsageException($"{flag} '{pair}' is not KEY=VALUE");
                        }

                        map[pair[..eq]] = pair[(eq + 1)..];
                    }
                });
                return;
            }

            if (field.IsRepeated && field.FieldType != FieldType.Message)
            {
                return; // no CSI request has repeated scalars; --request covers anything exotic
            }

            switch (field.FieldType)
            {
                case FieldType.String:
                    AddScalar(command, field, new Option<string>(flag) { Description = Describe(field) }, v => v);
                    break;
                case FieldType.Bool:
                    var boolOption = new Option<bool>(flag) { Description = $"Set {field.Name}." };
                    command.Options.Add(boolOption);
                    _setters.Add((result, message) =>
                    {
                        if (result.GetResult(boolOption) is not null)
                        {
                            field.Accessor.SetValue(message, result.GetValue(boolOption));
                        }
                    });
                    break;
                case FieldType.Int32:
                    AddScalar(command, field, OptionValues.Integer(flag, $"{field.Name}."), v => v);
                    break;
                case FieldType.Int64:
                    AddScalar(command, field, new Option<string>(flag) { Description = $"{field.Name} (bytes; 1Gi, 500Mi accepted)." }, v => ParseSize(flag, v));
                    break;
                case FieldType.Message when field.MessageType == CapacityRange.Descriptor:
                    AddCapacityRange(command, field);
                    break;
                case FieldType.Message when field.MessageType == VolumeCapability.Descriptor:
                    AddCapability(command, field);
                    break;
                default:
                    break; // set through --request
            }
        }

        private void AddScalar<T>(Command command, FieldDescriptor field, Option<T> option, Func<T, object> convert)
        {
            command.Options.Add(option);
            _setters.Add((result, message) =>
            {
                if (result.GetResult(option) is not null && result.GetValue(option) is { } value)
                {
                    field.Accessor.SetValue(message, convert(value));
                }
            });
        }

        private void AddCapacityRange(Command command, FieldDescriptor field)
        {
            var required = new Option<string?>("--required-bytes") { Description = "Smallest acceptable size (1Gi, 500Mi, or bytes)." };
            var limit = new Option<string?>("--limit-bytes") { Description = "Largest acceptable size (1Gi, 500Mi, or bytes)." };
            command.Options.Add(required);
            command.Options.Add(limit);
            _setters.Add((result, message) =>
            {
                var requiredValue = result.GetValue(required);
                var limitValue = result.GetValue(limit);
                if (requiredValue is null && limitValue is null)
                {
                    return;
                }

                var range = (CapacityRange?)field.Accessor.GetValue(message) ?? new CapacityRange();
                if (requiredValue is not null)
                {
                    range.RequiredBytes = ParseSize("--required-bytes", requiredValue);
                }

                if (limitValue is not null)
                {
                    range.LimitBytes = ParseSize("--limit-bytes", limitValue);
                }

                field.Accessor.SetValue(message, range);
            });
        }

        private void AddCapability(Command command, FieldDescriptor field)
        {
            var mode = new Option<string?>("--access-mode") { Description = "Access mode, e.g. single-node-writer (default), single-node-multi-writer." };
            var block = new Option<bool>("--block") { Description = "A raw block volume instead of a filesystem." };
            var fsType = new Option<string?>("--fs-type") { Description = $"Filesystem type: {Stratum.Config.FileSystemTypes.Names}." };
            var flags = new Option<string[]>("--mount-flags") { Description = "A mount option; repeat for several." };
            command.Options.Add(mode);
            command.Options.Add(block);
            command.Options.Add(fsType);
            command.Options.Add(flags);
            _setters.Add((result, message) =>
            {
                var given = result.GetResult(mode) is not null || result.GetValue(block) || result.GetResult(fsType) is not null || result.GetResult(flags) is not null;
                var existing = field.IsRepeated ? ((IList)field.Accessor.GetValue(message)).Count > 0 : field.Accessor.GetValue(message) is not null;
                if (!given && (existing || !_capabilityRequired))
                {
                    return;
                }

                var capability = new VolumeCapability
                {
                    AccessMode = new VolumeCapability.Types.AccessMode { Mode = ParseMode(result.GetValue(mode)) },
                };
                if (result.GetValue(block))
                {
                    if (result.GetResult(fsType) is not null || result.GetResult(flags) is not null)
                    {
                        throw new UsageException("--block cannot be combined with --fs-type or --mount-flags");
                    }

                    capability.Block = new VolumeCapability.Types.BlockVolume();
                }
                else
                {
                    capability.Mount = new VolumeCapability.Types.MountVolume { FsType = result.GetValue(fsType) ?? string.Empty };
                    capability.Mount.MountFlags.Add(result.GetValue(flags) ?? []);
                }

                if (field.IsRepeated)
                {
                    var list = (IList)field.Accessor.GetValue(message);
                    list.Clear();
                    list.Add(capability);
                }
                else
                {
                    field.Accessor.SetValue(message, capability);
                }
            });
        }

        private static string Describe(FieldDescriptor field) => field.Name switch
        {
            "name" => "The CSI name of the volume or snapshot (the provisioner passes pvc-UID).",
            "volume_id" => "The volume id CreateVolume returned.",
            "source_volume_id" => "The volume id of the snapshot's source.",
            "snapshot_id" => "The snapshot id CreateSnapshot returned.",
            "node_id" => "The node id NodeGetInfo returned.",
            "staging_target_path" => "Absolute per-volume staging path (kubelet's globalmount).",
            "target_path" => "Absolute per-pod publish path.",
            "volume_path" => "Absolute path where the volume is published or staged.",
            "starting_token" => "Paging token from a previous call's next_token.",
            _ => $"The request's {field.Name} field.",
        };

        private static VolumeCapability.Types.AccessMode.Types.Mode ParseMode(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return VolumeCapability.Types.AccessMode.Types.Mode.SingleNodeWriter;
            }

            var wanted = text.Replace("-", "_", StringComparison.Ordinal).ToUpperInvariant();
            foreach (var value in VolumeCapability.Types.AccessMode.Descriptor.EnumTypes[0].Values)
            {
                if (value.Name == wanted && value.Number != 0)
                {
                    return (VolumeCapability.Types.AccessMode.Types.Mode)value.Number;
                }
            }

            throw new UsageException($"--access-mode '{text}' is not a CSI access mode (e.g. single-node-writer)");
        }

        private static long ParseSize(string flag, string value) =>
            ByteSize.TryParse(value, out var bytes, out var error) ? bytes : throw new UsageException($"{flag}: {error}");
    }
}
