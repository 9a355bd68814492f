namespace Payments.Preflight.Tests.Rules;

/// <summary>
/// PF014 (a name the template does not define) and PF015 (an intrinsic function of the wrong shape): every kind of
/// reference and function they judge, the forms CloudFormation accepts that they must leave alone, what the
/// AWS::LanguageExtensions and SAM transforms make and accept, and the templates they do not judge (a macro).
/// </summary>
public sealed class ReferenceTests
{
    private const string Head = """
        Parameters:
          Stage:
            Type: String
          Subnets:
            Type: CommaDelimitedList
        Mappings:
          Sizes:
            dev: { Memory: 512 }
        Conditions:
          IsProd: !Equals [!Ref Stage, prod]
        Resources:
          Queue:
            Type: AWS::SQS::Queue
          Db:
            Type: AWS::RDS::DBInstance
            Properties:
              DBInstanceClass: db.t4g.micro
              Engine: postgres
        """;

    /// <summary>Values of a property (<see cref="Property"/>) CloudFormation accepts.</summary>
    public static TheoryData<string> AcceptedForms => new()
    {
        "!Ref Stage",
        "!Ref Queue",
        "!Ref AWS::Region",
        "!Ref AWS::NoValue",
        "!GetAtt Queue.Arn",
        "!GetAtt Db.Endpoint.Address",
        "{ 'Fn::GetAtt': [Queue, Arn] }",
        "{ 'Fn::GetAtt': [Queue, !Ref Stage] }",
        "!Sub '${Queue.Arn}/${Stage}/${AWS::AccountId}/${Queue}/${!NotAVariable}'",
        "!Sub ['${Name}-${Stage}', { Name: !GetAtt Queue.QueueName }]",
        "!Join [',', !Ref Subnets]",
        "!Join ['', [a, !Ref Stage]]",
        "!Select [0, !GetAZs '']",
        "!Select ['1', !Split [',', !Ref Stage]]",
        "!If [IsProd, !Ref Queue, !Ref AWS::NoValue]",
        "!FindInMap [Sizes, !Ref Stage, Memory]",
        "!Base64 { 'Fn::Sub': 'echo ${Stage}' }",
        "!ImportValue { 'Fn::Sub': '${Stage}-vpc' }",
        "!Select [0, !Cidr [10.0.0.0/16, 4, 8]]",
    };

    [Theory]
    [MemberData(nameof(AcceptedForms))]
    public void Forms_CloudFormation_accepts_are_left_alone(string value)
    {
        var findings = Check(Property(value));

        Assert.DoesNotContain(findings, f => f.RuleId is "PF014" or "PF015");
    }

    /// <summary>Values of a property (<see cref="Property"/>) that name something the template does not define, and the message.</summary>
    public static TheoryData<string, string> UndefinedNames => new()
    {
        { "!Ref Stgae", "Ref to 'Stgae', which is not a resource or a parameter" },
        { "!Ref AWS::AccountID", "'AWS::AccountID' is not a pseudo parameter" },
        { "!GetAtt Qeueu.Arn", "Fn::GetAtt to 'Qeueu', which is not a resource" },
        { "!GetAtt Stage.Arn", "Fn::GetAtt to 'Stage', which is not a resource" },
        { "!Sub '${Queue.Arn}/${Missing}'", "Fn::Sub uses ${Missing}, which is not a resource or a parameter" },
        { "!Sub '${Gone.Arn}'", "Fn::Sub uses ${Gone.Arn}, which is not a resource" },
        { "!Sub ['${Name}-${Other}', { Name: x }]", "Fn::Sub uses ${Other}" },
        { "!If [IsProduction, a, b]", "Fn::If names the condition 'IsProduction', which the template's Conditions does not define" },
        { "!FindInMap [Size, dev, Memory]", "Fn::FindInMap names the mapping 'Size', which the template's Mappings does not define" },
    };

    [Theory]
    [MemberData(nameof(UndefinedNames))]
    public void A_name_the_template_does_not_define_is_an_error_at_its_line(string value, string message)
    {
        var findings = Check(Property(value));

        var finding = Assert.Single(findings, f => f.RuleId == "PF014");
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Contains(message, finding.Message, StringComparison.Ordinal);
        Assert.Contains("CloudFormation rejects the template", finding.Message, StringComparison.Ordinal);
        Assert.Equal("Topic", finding.Resource);
        Assert.Equal(PropertyLine, finding.Line);
        Assert.DoesNotContain(findings, f => f.RuleId == "PF015");
    }

    /// <summary>Resource attributes (<see cref="Attribute"/>) that name something the template does not define, and the message.</summary>
    public static TheoryData<string, string> UndefinedAttributeNames => new()
    {
        { "DependsOn: Queeu", "DependsOn names 'Queeu', which is not a resource" },
        { "DependsOn: [Queue, Missing]", "DependsOn names 'Missing'" },
        { "DependsOn: Stage", "DependsOn names 'Stage', which is not a resource" },
        { "Condition: IsProduction", "the Condition of resource Topic names the condition 'IsProduction'" },
    };

    [Theory]
    [MemberData(nameof(UndefinedAttributeNames))]
    public void Resource_attributes_that_name_nothing_defined_are_errors(string attribute, string message)
    {
        var findings = Check(Attribute(attribute));

        var finding = Assert.Single(findings, f => f.RuleId == "PF014");
        Assert.Contains(message, finding.Message, StringComparison.Ordinal);
        Assert.Equal("Topic", finding.Resource);
    }

    [Fact]
    public void Outputs_and_conditions_are_judged_too_and_a_condition_may_not_use_a_resource()
    {
        var findings = Check($$"""
            {{Head}}
              Topic:
                Type: AWS::SNS::Topic
            Outputs:
              Good:
                Value: !GetAtt Queue.Arn
                Condition: IsProd
                Export: { Name: !Sub '${AWS::StackName}-queue' }
              Bad:
                Value: !Ref Topik
                Condition: IsProdd
            """.Replace("Conditions:\n  IsProd: !Equals [!Ref Stage, prod]",
                "Conditions:\n  IsProd: !Equals [!Ref Stage, prod]\n  HasQueue: !Not [!Equals [!Ref Queue, '']]\n  Both: !And [!Condition IsProd, !Condition IsStaging]",
                StringComparison.Ordinal));

        var messages = findings.Where(f => f.RuleId == "PF014").Select(f => f.Message).ToList();
        Assert.Equal(4, messages.Count);
        Assert.Contains(messages, m => m.StartsWith("Ref to 'Topik'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("the Condition of output Bad names the condition 'IsProdd'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Ref to 'Queue' in a condition", StringComparison.Ordinal) && m.Contains("Cannot reference resources in the Conditions block", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Condition names the condition 'IsStaging'", StringComparison.Ordinal));
    }

    /// <summary>Values of a property (<see cref="Property"/>) calling a function with arguments of the wrong shape, and the message.</summary>
    public static TheoryData<string, string> WrongShapes => new()
    {
        { "!Ref [Queue]", "Ref takes the name of a parameter or resource as a plain string" },
        { "{ Ref: { Name: Queue } }", "Ref takes the name of a parameter or resource as a plain string" },
        { "{ 'Fn::GetAtt': QueueArn }", "Fn::GetAtt takes [logical ID, attribute name]" },
        { "{ 'Fn::GetAtt': [Queue] }", "Fn::GetAtt takes [logical ID, attribute name]" },
        { "{ 'Fn::GetAtt': [Queue, Arn, Extra] }", "Fn::GetAtt takes [logical ID, attribute name]" },
        { "!Join ['-', a, b]", "Fn::Join takes [delimiter, list of values], not a list of 3" },
        { "!Join ['-', a]", "Fn::Join takes a list as the values to join (or a function that returns one), not a scalar" },
        { "!Join [['-'], [a]]", "Fn::Join takes a string as its delimiter" },
        { "{ 'Fn::Sub': 42 }", "Fn::Sub takes a string, or [string, mapping of variables]" },
        { "!Sub [a, b, c]", "Fn::Sub takes a string, or [string, mapping of variables]" },
        { "!If [IsProd, a]", "Fn::If takes [condition name, value if true, value if false], not a list of 2" },
        { "!Select [0, a]", "Fn::Select takes a list as the list to select from" },
        { "!FindInMap [Sizes, dev]", "Fn::FindInMap takes [map name, top-level key, second-level key], not a list of 2" },
        { "!GetAZs [a]", "Fn::GetAZs takes a string as its argument" },
        { "{ 'Fn::Concat': [a, b] }", "Fn::Concat is not a function CloudFormation knows" },
    };

    [Theory]
    [MemberData(nameof(WrongShapes))]
    public void A_function_called_with_the_wrong_shape_is_an_error(string value, string message)
    {
        var findings = Check(Property(value));

        var finding = Assert.Single(findings, f => f.RuleId == "PF015");
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Contains(message, finding.Message, StringComparison.Ordinal);
        Assert.Equal("Topic", finding.Resource);
    }

    /// <summary>Conditions (<see cref="Condition"/>) of the wrong arity, and the message.</summary>
    public static TheoryData<string, string> WrongConditionArities => new()
    {
        { "!And [!Condition IsProd]", "Fn::And takes a list of 2 to 10 conditions, not a list of 1" },
        { "!Not [!Condition IsProd, !Condition IsProd]", "Fn::Not takes [condition], not a list of 2" },
        { "!Equals [a]", "Fn::Equals takes [value, value], not a list of 1" },
    };

    [Theory]
    [MemberData(nameof(WrongConditionArities))]
    public void Condition_functions_of_the_wrong_arity_are_errors(string value, string message)
    {
        var findings = Check(Condition(value));

        var finding = Assert.Single(findings, f => f.RuleId == "PF015");
        Assert.Contains(message, finding.Message, StringComparison.Ordinal);
        Assert.Null(finding.Resource);
    }

    [Fact]
    public void A_one_key_mapping_named_Condition_outside_Conditions_is_data_not_a_function()
    {
        // An IAM statement's condition block with one operator, and a property literally named Condition.
        var findings = Check($$"""
            {{Head}}
              Policy:
                Type: AWS::IAM::ManagedPolicy
                Properties:
                  PolicyDocument:
                    Version: '2012-10-17'
                    Statement:
                      - Effect: Allow
                        Action: sqs:SendMessage
                        Resource: !GetAtt Queue.Arn
                        Condition:
                          StringEquals: { 'aws:SourceAccount': !Ref AWS::AccountId }
            """);

        Assert.DoesNotContain(findings, f => f.RuleId is "PF014" or "PF015");
    }

    [Fact]
    public void Parameter_rules_may_use_parameters_only()
    {
        var findings = Check($$"""
            {{Head}}
            Rules:
              ProdNeedsSubnets:
                RuleCondition: !Equals [!Ref Stage, prod]
                Assertions:
                  - Assert: !Not [!Equals [!Join [',', !Ref Subnets], '']]
                  - Assert: !Contains [[a, b], !Ref Stgae]
                  - Assert: !Equals [!Ref Queue, x]
                  - Assert: !EachMemberIn [!ValueOfAll ['AWS::EC2::Subnet::Id', VpcId], !RefAll 'AWS::EC2::VPC::Id']
            """);

        var messages = findings.Where(f => f.RuleId is "PF014" or "PF015").Select(f => f.Message).ToList();
        Assert.Equal(2, messages.Count);
        Assert.Contains(messages, m => m.StartsWith("Ref to 'Stgae' in a parameter rule", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Ref to 'Queue' in a parameter rule", StringComparison.Ordinal));
    }

    [Fact]
    public void Metadata_is_judged_and_a_macros_parameters_are_not()
    {
        // cfn-init reads Metadata with its functions resolved; Fn::Transform hands its parameters to a macro.
        var findings = Check($$"""
            {{Head}}
              Topic:
                Type: AWS::SNS::Topic
                Metadata:
                  AWS::CloudFormation::Init:
                    config:
                      commands:
                        fetch: { command: !Sub 'aws ssm get-parameter --name ${SsmKey}' }
                Properties:
                  Tags:
                    - Key: expires
                      Value: { 'Fn::Transform': { Name: Date, Parameters: { Days: !Ref Days } } }
            """);

        var finding = Assert.Single(findings, f => f.RuleId is "PF014" or "PF015");
        Assert.StartsWith("Fn::Sub uses ${SsmKey}", finding.Message, StringComparison.Ordinal);
        Assert.StartsWith("Resources/Topic/Metadata/", finding.Path, StringComparison.Ordinal);
    }

    private const string SamHead = """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Function:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: nodejs22.x
              Handler: index.handler
              InlineCode: exports.handler = async () => ({});
              AutoPublishAlias: live
              Events:
                Api: { Type: Api, Properties: { Path: /, Method: get } }
          Table:
            Type: AWS::Serverless::SimpleTable
        """;

    /// <summary>SAM templates (<see cref="Sam"/>) whose names CloudFormation resolves after the SAM transform.</summary>
    public static TheoryData<string, string> SamAccepted => new()
    {
        { "names SAM makes from a function and for the implicit API", """
            Outputs:
              Role: { Value: !GetAtt FunctionRole.Arn }
              Alias: { Value: !Ref Function.Alias }
              Stage: { Value: !Ref ServerlessRestApiProdStage }
              Url: { Value: !Sub 'https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/' }
            """ },
        { "a plain resource naming a SAM resource", """
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: !Ref Table
                  Tags:
                    - Key: function
                      Value: !GetAtt Function.Arn
            """ },
    };

    [Theory]
    [MemberData(nameof(SamAccepted))]
    public void Under_SAM_the_names_the_transform_makes_are_defined(string name, string extra)
    {
        var findings = Check(Sam(extra));

        Assert.True(!findings.Any(f => f.RuleId is "PF014" or "PF015"), $"{name}: {string.Join(" | ", findings.Select(f => f.Message))}");
    }

    /// <summary>SAM templates (<see cref="Sam"/>) naming what neither the file nor the SAM transform defines, or calling a function wrongly: the rule and the message.</summary>
    public static TheoryData<string, string, string> SamRejected => new()
    {
        { "PF014", "Ref to 'Tabel', which is not a resource or a parameter of this template, nor a name the SAM transform makes", """
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: !Ref Tabel
            """ },
        { "PF014", "Fn::GetAtt to 'Functon', which is not a resource of this template, nor a name the SAM transform makes", """
            Outputs:
              Arn: { Value: !GetAtt Functon.Arn }
            """ },
        { "PF014", "Fn::GetAtt to 'Tables', which is not a resource of this template, nor a name the SAM transform makes", """
            Outputs:
              Arn: { Value: !GetAtt Tables.Arn }
            """ },
        { "PF015", "Fn::Join takes [delimiter, list of values], not a list of 3", """
            Outputs:
              Name: { Value: !Join ['-', a, b] }
            """ },
        { "PF014", "Ref to 'Tabl', which is not a resource or a parameter of this template, nor a name the SAM transform makes", """
            Globals:
              Function:
                Environment:
                  Variables:
                    TABLE: !Ref Tabl
            """ },
    };

    [Theory]
    [MemberData(nameof(SamRejected))]
    public void Under_SAM_a_name_neither_the_file_nor_the_transform_defines_is_an_error(string rule, string message, string extra)
    {
        var findings = Check(Sam(extra)).Where(f => f.RuleId is "PF014" or "PF015").ToList();

        var finding = Assert.Single(findings);
        Assert.Equal(rule, finding.RuleId);
        Assert.Contains(message, finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_with_a_macro_is_not_judged()
    {
        // The macro may add the resource, or rewrite the reference, before CloudFormation validates anything.
        var findings = Check("""
            Transform: MyOrg::AddAlarms
            Resources:
              Queue:
                Type: AWS::SQS::Queue
            Outputs:
              Alarm: { Value: !Ref QueueDepthAlarm }
            """);

        Assert.DoesNotContain(findings, f => f.RuleId is "PF014" or "PF015");
    }

    /// <summary><see cref="SamHead"/> (a function with an alias and an implicit API, and a table) and <paramref name="extra"/>: more resources, or Outputs.</summary>
    internal static string Sam(string extra) => $"{SamHead}\n{extra}";

    [Fact]
    public void Json_templates_are_judged_the_same_with_their_lines()
    {
        var findings = TestTemplates.Check("""
            {
              "Resources": {
                "Queue": { "Type": "AWS::SQS::Queue" },
                "Topic": {
                  "Type": "AWS::SNS::Topic",
                  "DependsOn": "Queue",
                  "Properties": {
                    "TopicName": { "Fn::GetAtt": ["Queeu", "QueueName"] },
                    "DisplayName": { "Ref": ["Queue"] }
                  }
                }
              }
            }
            """, path: "template.json");

        var unresolved = Assert.Single(findings, f => f.RuleId == "PF014");
        Assert.Equal(8, unresolved.Line);
        Assert.Equal("Resources/Topic/Properties/TopicName/Fn::GetAtt/0", unresolved.Path);
        var shape = Assert.Single(findings, f => f.RuleId == "PF015");
        Assert.Equal(9, shape.Line);
    }

    private const string ExtensionsHead = """
        Transform: AWS::LanguageExtensions
        Parameters:
          Stage:
            Type: String
          Names:
            Type: CommaDelimitedList
        Mappings:
          Display:
            prod: { Name: Payments }
        Conditions:
          Fn::ForEach::Enabled:
            - Name
            - [Orders, Refunds]
            - Enable${Name}: !Equals [!Ref Stage, prod]
        Resources:
          Fn::ForEach::Topics:
            - Name
            - [Orders, Refunds]
            - Topic${Name}:
                Type: AWS::SNS::Topic
                Properties:
                  TopicName: !Sub '${Stage}-${Name}'
                  DisplayName: !Ref Name
        """;

    /// <summary>
    /// Under AWS::LanguageExtensions (<see cref="Extensions"/>): what the transform makes is defined, its functions are
    /// functions, and a loop's identifier is in scope in its outputs.
    /// </summary>
    public static TheoryData<string, string> ExtensionsAccepted => new()
    {
        { "a resource a loop makes, named from outside it", """
              Queue:
                Type: AWS::SQS::Queue
                DependsOn: TopicOrders
                Properties:
                  QueueName: !GetAtt TopicRefunds.TopicName
            """ },
        { "outputs made by nested loops, with Fn::GetAtt of an Fn::Sub", """
            Outputs:
              Fn::ForEach::TopicOutputs:
                - Name
                - [Orders, Refunds]
                - Fn::ForEach::Attributes:
                    - Attribute
                    - [TopicArn, TopicName]
                    - ${Name}${Attribute}:
                        Value: !GetAtt [!Sub 'Topic${Name}', !Ref Attribute]
            """ },
        { "a condition a loop makes, named with Fn::Sub in a loop", """
              Fn::ForEach::Queues:
                - Name
                - [Orders, Refunds]
                - Queue${Name}:
                    Type: AWS::SQS::Queue
                    Condition: !Sub Enable${Name}
                    Properties:
                      QueueName: !Sub '${Stage}-${Name}-queue'
            """ },
        { "Fn::Length, Fn::ToJsonString and Fn::FindInMap with a DefaultValue", """
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: !FindInMap [Display, !Ref Stage, Name, DefaultValue: payments]
                  DelaySeconds: !Length [a, b]
                  Tags:
                    - Key: topics
                      Value: !ToJsonString [!Ref TopicOrders, !Ref TopicRefunds]
            """ },
        { "&{Identifier} keeps only letters and digits of the item", """
              Fn::ForEach::Alerts:
                - Address
                - [ops@example.com, on-call@example.com]
                - Alert&{Address}:
                    Type: AWS::SNS::Subscription
                    Properties:
                      TopicArn: !Ref TopicOrders
                      Protocol: email
                      Endpoint: !Ref Address
              Queue:
                Type: AWS::SQS::Queue
                DependsOn: [Alertopsexamplecom, Alertoncallexamplecom]
            """ },
        { "a loop over a parameter: a name it could make is not judged", """
              Fn::ForEach::Queues:
                - QueueName
                - !Ref Names
                - Queue${QueueName}:
                    Type: AWS::SQS::Queue
              Topic:
                Type: AWS::SNS::Topic
                Properties:
                  DisplayName: !GetAtt QueueAudit.QueueName
            """ },
        { "a name made from the identifier in a plain string of the loop", """
              Fn::ForEach::Queues:
                - Name
                - [Orders, Refunds]
                - Queue${Name}:
                    Type: AWS::SQS::Queue
                    DependsOn: Topic${Name}
            """ },
    };

    [Theory]
    [MemberData(nameof(ExtensionsAccepted))]
    public void Under_LanguageExtensions_what_the_transform_makes_is_defined(string name, string extra)
    {
        var findings = Check(Extensions(extra));

        Assert.True(!findings.Any(f => f.RuleId is "PF014" or "PF015"), $"{name}: {string.Join(" | ", findings.Select(f => f.Message))}");
    }

    /// <summary>Templates under AWS::LanguageExtensions (<see cref="Extensions"/>) CloudFormation rejects after the transform: the rule and the message.</summary>
    public static TheoryData<string, string, string> ExtensionsRejected => new()
    {
        { "PF014", "Fn::GetAtt to 'TopicOrder', which is not a resource", """
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: !GetAtt TopicOrder.TopicName
            """ },
        { "PF014", "Ref to 'Nmae', which is not a resource or a parameter", """
              Fn::ForEach::Queues:
                - Name
                - [Orders, Refunds]
                - Queue${Name}:
                    Type: AWS::SQS::Queue
                    Properties:
                      QueueName: !Ref Nmae
            """ },
        { "PF014", "Fn::Sub uses ${QueueRefunds.Arn}, which is not a resource", """
              Fn::ForEach::Queues:
                - Name
                - [Orders]
                - Queue${Name}:
                    Type: AWS::SQS::Queue
              Fn::ForEach::Subscriptions:
                - Name
                - [Orders, Refunds]
                - Subscription${Name}:
                    Type: AWS::SNS::Subscription
                    Properties:
                      TopicArn: !Ref TopicOrders
                      Protocol: sqs
                      Endpoint: !Sub '${Queue${Name}.Arn}'
            """ },
        { "PF014", "Fn::GetAtt to 'TopikOrders' (made from 'Topik${Name}'), which is not a resource", """
            Outputs:
              Fn::ForEach::TopicOutputs:
                - Name
                - [Orders, Refunds]
                - ${Name}Arn:
                    Value: !GetAtt [!Sub 'Topik${Name}', TopicArn]
            """ },
        { "PF014", "the Condition of resource Queue${Name} names the condition 'EnableAudit' (made from 'Enable${Name}')", """
              Fn::ForEach::Queues:
                - Name
                - [Orders, Audit]
                - Queue${Name}:
                    Type: AWS::SQS::Queue
                    Condition: !Sub Enable${Name}
            """ },
        { "PF015", "the output key 'Queue' does not use ${Name} or &{Name}", """
              Fn::ForEach::Queues:
                - Name
                - [Orders, Refunds]
                - Queue:
                    Type: AWS::SQS::Queue
            """ },
        { "PF015", "Fn::ForEach::Queues takes [identifier, collection, {output key: output value}]", """
              Fn::ForEach::Queues:
                - Name
                - Queue${Name}:
                    Type: AWS::SQS::Queue
            """ },
        { "PF015", "Fn::FindInMap takes as its fourth item { DefaultValue: value }", """
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: !FindInMap [Display, !Ref Stage, Name, { Default: payments }]
            """ },
        { "PF015", "Fn::Length takes a list as its argument (or a function that returns one), not a scalar", """
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  DelaySeconds: !Length abc
            """ },
    };

    [Theory]
    [MemberData(nameof(ExtensionsRejected))]
    public void Under_LanguageExtensions_what_CloudFormation_rejects_after_the_transform_is_an_error(string rule, string message, string extra)
    {
        var findings = Check(Extensions(extra)).Where(f => f.RuleId is "PF014" or "PF015").ToList();

        Assert.Contains(findings, f => f.RuleId == rule && f.Severity == Severity.Error && f.Message.Contains(message, StringComparison.Ordinal));
        Assert.All(findings, f => Assert.Equal(rule, f.RuleId));
    }

    [Fact]
    public void A_finding_in_a_loop_names_the_loop_output_and_its_line_and_one_per_place()
    {
        var yaml = Extensions("""
              Fn::ForEach::Queues:
                - Name
                - [Orders, Refunds, Audit]
                - Queue${Name}:
                    Type: AWS::SQS::Queue
                    Properties:
                      QueueName: !Ref Nmae
            """);

        var finding = Assert.Single(Check(yaml), f => f.RuleId == "PF014");
        Assert.Null(finding.Resource);
        Assert.Equal("Resources/Fn::ForEach::Queues/2/Queue${Name}/Properties/QueueName/Ref", finding.Path);
        Assert.Equal(Array.IndexOf(yaml.Split('\n'), "          QueueName: !Ref Nmae") + 1, finding.Line);
    }

    [Fact]
    public void Items_made_from_an_outer_loops_identifier_are_not_taken_as_written()
    {
        // Whether the transform puts Env into the inner collection first is not documented: the names are not judged.
        var findings = Check(Extensions("""
              Fn::ForEach::Colours:
                - Colour
                - [blue, green]
                - Fn::ForEach::Queues:
                    - Name
                    - ['${Colour}orders']
                    - Queue${Name}:
                        Type: AWS::SQS::Queue
              Topic:
                Type: AWS::SNS::Topic
                Properties:
                  DisplayName: !GetAtt Queueblueorders.QueueName
            """));

        Assert.DoesNotContain(findings, f => f.RuleId is "PF014" or "PF015");
    }

    [Fact]
    public void The_same_mistake_in_two_resources_is_two_findings()
    {
        var findings = Check($$"""
            {{Head}}
              Topic:
                Type: AWS::SNS::Topic
                Properties:
                  DisplayName: !Ref Missing
              Alarms:
                Type: AWS::SNS::Topic
                Properties:
                  DisplayName: !Ref Missing
            """);

        Assert.Equal(["Topic", "Alarms"], findings.Where(f => f.RuleId == "PF014").Select(f => f.Resource));
    }

    [Fact]
    public void A_sub_string_of_unclosed_placeholders_is_judged_without_rereading_it()
    {
        // A QueueName of 2,000,000 unclosed "${": none is a placeholder, and the scan must not restart at each one.
        var unclosed = string.Concat(Enumerable.Repeat("${", 2_000_000));
        var json = "{\"Resources\": {\"Queue\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": {\"QueueName\": {\"Fn::Sub\": \"" + unclosed + "${Missing\"}}}}}";

        var findings = PreflightEngine.CheckText("template.json", json, new PreflightOptions { Today = TestTemplates.Today, Include = ["PF014", "PF015"] });

        Assert.Empty(findings);
    }

    [Fact]
    public void Fn_Length_without_the_transform_says_what_it_needs()
    {
        var finding = Assert.Single(Check(Property("!Length [a, b]")), f => f.RuleId == "PF015");

        Assert.StartsWith("Fn::Length is not a function CloudFormation knows without `Transform: AWS::LanguageExtensions`", finding.Message, StringComparison.Ordinal);
    }

    /// <summary><see cref="ExtensionsHead"/> (loops making topics TopicOrders and TopicRefunds and conditions EnableOrders and EnableRefunds) and <paramref name="extra"/>: more resources, or Outputs.</summary>
    internal static string Extensions(string extra) => $"{ExtensionsHead}\n{extra}";

    // The line of the property Property() writes the value on.
    private static readonly int PropertyLine = Head.Split('\n').Length + 4;

    /// <summary>A template whose resource Topic has <paramref name="value"/> as a property.</summary>
    internal static string Property(string value) => $"{Head}\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      DisplayName: {value}\n";

    /// <summary>A template whose resource Topic has <paramref name="attribute"/> (<c>Key: value</c>) as a resource attribute.</summary>
    internal static string Attribute(string attribute) => $"{Head}\n  Topic:\n    Type: AWS::SNS::Topic\n    {attribute}\n";

    /// <summary>A template with a second condition, Other, defined as <paramref name="value"/>.</summary>
    internal static string Condition(string value) =>
        Head.Replace("  IsProd: !Equals [!Ref Stage, prod]", $"  IsProd: !Equals [!Ref Stage, prod]\n  Other: {value}", StringComparison.Ordinal);

    private static List<Finding> Check(string yaml) => TestTemplates.Check(yaml);
}
