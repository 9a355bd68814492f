using Amazon.CDK;

// One empty stack: `cdk synth` refuses an app without stacks.
var app = new App();
_ = new Stack(app, "Empty");
app.Synth();
