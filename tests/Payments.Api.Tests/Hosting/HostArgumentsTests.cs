using Payments.Api.Hosting;

namespace Payments.Api.Tests.Hosting;

public sealed class HostArgumentsTests
{
    [Fact]
    public void Reload_on_change_is_turned_off_ahead_of_the_given_arguments()
    {
        Assert.Equal(["--hostBuilder:reloadConfigOnChange=false", "--role", "worker"], HostArguments.WithoutConfigReload(["--role", "worker"]));
        Assert.Equal(["--hostBuilder:reloadConfigOnChange=false"], HostArguments.WithoutConfigReload([]));
    }

    [Theory]
    [InlineData("--hostBuilder:reloadConfigOnChange=true")]
    [InlineData("--HOSTBUILDER:RELOADCONFIGONCHANGE=true")]
    public void A_command_line_that_decides_it_is_left_alone(string argument)
    {
        Assert.Equal([argument], HostArguments.WithoutConfigReload([argument]));
    }
}
