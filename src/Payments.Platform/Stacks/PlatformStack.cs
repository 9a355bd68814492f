using Amazon.CDK;
using Constructs;
using Payments.Platform.Constructs;
using Payments.Platform.Environments;

namespace Payments.Platform.Stacks;

public sealed class PlatformStackProps : StackProps
{
    public required EnvironmentConfig Config { get; init; }
    public required PlatformSettings Settings { get; init; }
}

/// <summary>Everything one environment runs on: network, keys, data, images, services, edge, alarms.</summary>
public sealed class PlatformStack : Stack
{
    public EnvironmentConfig Config { get; }
    public EncryptionKeys Keys { get; }
    public Network Network { get; }

    public PlatformStack(Construct scope, string id, PlatformStackProps props) : base(scope, id, props)
    {
        ArgumentNullException.ThrowIfNull(props);
        Config = props.Config;
        Keys = new EncryptionKeys(this, "Keys", new EncryptionKeysProps { Environment = Config });
        Network = new Network(this, "Network", new NetworkProps { Environment = Config, Key = Keys.Key });
    }
}
