using Amazon.CDK;
using Payments.Platform;
using Payments.Platform.Environments;

var app = new App();
PaymentsApp.Compose(app, PlatformSettings.FromApp(app));
app.Synth();
