package gen

type statement struct {
	sid, effect string
	actions     []string
	notActions  []string
	resources   []string
	conditions  []condition
}

type condition struct {
	op, key string
	values  []string
}

type permSet struct {
	name, desc, level, session, relay string
	managed                           []string
	statements                        []statement
	file                              bool // inline_policy via a JSON file next to the config
	tags                              map[string]string
}

type service struct {
	prefix, title string
	read, write   []string
}

// services give the Operator / ReadOnly permission sets their shape.
var services = []service{
	{"s3", "S3", []string{"s3:Get*", "s3:List*"}, []string{"s3:PutObject", "s3:DeleteObject", "s3:PutBucketPolicy"}},
	{"dynamodb", "DynamoDB", []string{"dynamodb:Describe*", "dynamodb:Query", "dynamodb:Scan", "dynamodb:GetItem"}, []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:CreateTable"}},
	{"lambda", "Lambda", []string{"lambda:Get*", "lambda:List*"}, []string{"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction", "lambda:CreateFunction"}},
	{"ecs", "ECS", []string{"ecs:Describe*", "ecs:List*"}, []string{"ecs:UpdateService", "ecs:RunTask", "ecs:StopTask", "ecs:RegisterTaskDefinition"}},
	{"eks", "EKS", []string{"eks:Describe*", "eks:List*"}, []string{"eks:UpdateNodegroupConfig", "eks:CreateNodegroup", "eks:TagResource"}},
	{"rds", "RDS", []string{"rds:Describe*", "rds:List*"}, []string{"rds:CreateDBSnapshot", "rds:RebootDBInstance", "rds:ModifyDBInstance"}},
	{"sqs", "SQS", []string{"sqs:Get*", "sqs:List*", "sqs:ReceiveMessage"}, []string{"sqs:SendMessage", "sqs:PurgeQueue", "sqs:DeleteMessage", "sqs:CreateQueue"}},
	{"sns", "SNS", []string{"sns:Get*", "sns:List*"}, []string{"sns:Publish", "sns:Subscribe", "sns:CreateTopic"}},
	{"kinesis", "Kinesis", []string{"kinesis:Describe*", "kinesis:List*", "kinesis:GetRecords"}, []string{"kinesis:PutRecord", "kinesis:PutRecords", "kinesis:CreateStream"}},
	{"glue", "Glue", []string{"glue:Get*", "glue:List*"}, []string{"glue:StartJobRun", "glue:UpdateJob", "glue:CreateJob"}},
	{"athena", "Athena", []string{"athena:Get*", "athena:List*"}, []string{"athena:StartQueryExecution", "athena:StopQueryExecution", "athena:CreateWorkGroup"}},
	{"logs", "Logs", []string{"logs:Describe*", "logs:Get*", "logs:FilterLogEvents"}, []string{"logs:PutRetentionPolicy", "logs:CreateLogGroup", "logs:PutSubscriptionFilter"}},
	{"cloudwatch", "CloudWatch", []string{"cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"}, []string{"cloudwatch:PutMetricAlarm", "cloudwatch:PutDashboard", "cloudwatch:DeleteAlarms"}},
	{"secretsmanager", "Secrets", []string{"secretsmanager:Describe*", "secretsmanager:List*"}, []string{"secretsmanager:PutSecretValue", "secretsmanager:RotateSecret", "secretsmanager:CreateSecret"}},
	{"kms", "KMS", []string{"kms:Describe*", "kms:List*"}, []string{"kms:Encrypt", "kms:Decrypt", "kms:CreateGrant", "kms:GenerateDataKey"}},
	{"ecr", "ECR", []string{"ecr:Describe*", "ecr:List*", "ecr:BatchGetImage"}, []string{"ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:CompleteLayerUpload", "ecr:CreateRepository"}},
	{"elasticache", "ElastiCache", []string{"elasticache:Describe*", "elasticache:List*"}, []string{"elasticache:RebootCacheCluster", "elasticache:ModifyReplicationGroup"}},
	{"states", "StepFunctions", []string{"states:Describe*", "states:List*", "states:GetExecutionHistory"}, []string{"states:StartExecution", "states:StopExecution", "states:UpdateStateMachine"}},
	{"events", "EventBridge", []string{"events:Describe*", "events:List*"}, []string{"events:PutRule", "events:PutTargets", "events:PutEvents"}},
	{"apigateway", "APIGateway", []string{"apigateway:GET"}, []string{"apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"}},
	{"cloudfront", "CloudFront", []string{"cloudfront:Get*", "cloudfront:List*"}, []string{"cloudfront:CreateInvalidation", "cloudfront:UpdateDistribution"}},
	{"route53", "Route53", []string{"route53:Get*", "route53:List*"}, []string{"route53:ChangeResourceRecordSets", "route53:CreateHealthCheck"}},
	{"ssm", "SSM", []string{"ssm:Describe*", "ssm:Get*", "ssm:List*"}, []string{"ssm:PutParameter", "ssm:StartSession", "ssm:SendCommand"}},
	{"ses", "SES", []string{"ses:Get*", "ses:List*"}, []string{"ses:SendEmail", "ses:SendRawEmail", "ses:CreateTemplate"}},
	{"es", "OpenSearch", []string{"es:Describe*", "es:List*", "es:ESHttpGet"}, []string{"es:ESHttpPost", "es:ESHttpPut", "es:UpdateDomainConfig"}},
	{"redshift", "Redshift", []string{"redshift:Describe*", "redshift:GetClusterCredentials"}, []string{"redshift:ModifyCluster", "redshift:RebootCluster", "redshift:CreateClusterSnapshot"}},
	{"elasticmapreduce", "EMR", []string{"elasticmapreduce:Describe*", "elasticmapreduce:List*"}, []string{"elasticmapreduce:AddJobFlowSteps", "elasticmapreduce:RunJobFlow"}},
	{"sagemaker", "SageMaker", []string{"sagemaker:Describe*", "sagemaker:List*"}, []string{"sagemaker:CreateTrainingJob", "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint"}},
	{"firehose", "Firehose", []string{"firehose:Describe*", "firehose:List*"}, []string{"firehose:PutRecord", "firehose:PutRecordBatch", "firehose:UpdateDestination"}},
	{"cognito-idp", "Cognito", []string{"cognito-idp:Describe*", "cognito-idp:List*"}, []string{"cognito-idp:AdminCreateUser", "cognito-idp:AdminDisableUser", "cognito-idp:UpdateUserPool"}},
	{"appsync", "AppSync", []string{"appsync:Get*", "appsync:List*"}, []string{"appsync:UpdateResolver", "appsync:StartSchemaCreation"}},
	{"batch", "Batch", []string{"batch:Describe*", "batch:List*"}, []string{"batch:SubmitJob", "batch:CancelJob", "batch:TerminateJob"}},
	{"codebuild", "CodeBuild", []string{"codebuild:BatchGet*", "codebuild:List*"}, []string{"codebuild:StartBuild", "codebuild:StopBuild", "codebuild:UpdateProject"}},
	{"codepipeline", "CodePipeline", []string{"codepipeline:Get*", "codepipeline:List*"}, []string{"codepipeline:StartPipelineExecution", "codepipeline:PutApprovalResult"}},
	{"codedeploy", "CodeDeploy", []string{"codedeploy:Get*", "codedeploy:List*"}, []string{"codedeploy:CreateDeployment", "codedeploy:StopDeployment"}},
	{"ec2", "EC2", []string{"ec2:Describe*", "ec2:GetConsoleOutput"}, []string{"ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances", "ec2:CreateSnapshot"}},
	{"autoscaling", "AutoScaling", []string{"autoscaling:Describe*"}, []string{"autoscaling:SetDesiredCapacity", "autoscaling:UpdateAutoScalingGroup"}},
	{"elasticloadbalancing", "LoadBalancing", []string{"elasticloadbalancing:Describe*"}, []string{"elasticloadbalancing:ModifyListener", "elasticloadbalancing:RegisterTargets"}},
	{"backup", "Backup", []string{"backup:Describe*", "backup:List*", "backup:Get*"}, []string{"backup:StartBackupJob", "backup:StartRestoreJob"}},
	{"elasticfilesystem", "EFS", []string{"elasticfilesystem:Describe*"}, []string{"elasticfilesystem:CreateAccessPoint", "elasticfilesystem:PutLifecycleConfiguration"}},
	{"acm", "ACM", []string{"acm:Describe*", "acm:List*", "acm:Get*"}, []string{"acm:RequestCertificate", "acm:RenewCertificate"}},
	{"wafv2", "WAF", []string{"wafv2:Get*", "wafv2:List*"}, []string{"wafv2:UpdateWebACL", "wafv2:UpdateIPSet"}},
	{"guardduty", "GuardDuty", []string{"guardduty:Get*", "guardduty:List*"}, []string{"guardduty:ArchiveFindings", "guardduty:UpdateFindingsFeedback"}},
	{"config", "Config", []string{"config:Describe*", "config:Get*", "config:List*"}, []string{"config:StartConfigRulesEvaluation", "config:PutConfigRule"}},
	{"cloudtrail", "CloudTrail", []string{"cloudtrail:Describe*", "cloudtrail:Get*", "cloudtrail:LookupEvents"}, []string{"cloudtrail:StartLogging", "cloudtrail:UpdateTrail"}},
	{"xray", "XRay", []string{"xray:Get*", "xray:BatchGetTraces"}, []string{"xray:PutTraceSegments", "xray:UpdateSamplingRule"}},
	{"mq", "MQ", []string{"mq:Describe*", "mq:List*"}, []string{"mq:RebootBroker", "mq:UpdateBroker"}},
	{"kafka", "MSK", []string{"kafka:Describe*", "kafka:List*", "kafka:Get*"}, []string{"kafka:UpdateBrokerCount", "kafka:RebootBroker", "kafka:UpdateClusterConfiguration"}},
}

var stateBucketObjects = []string{"{state_bucket_arn}/*"}

func denyStateWrites() statement {
	return statement{sid: "DenyStateWrites", effect: "Deny",
		actions:   []string{"s3:PutObject", "s3:DeleteObject", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"},
		resources: []string{"{state_bucket_arn}/*", "{state_lock_table_arn}"}}
}

func denyIAMUsers() statement {
	return statement{sid: "DenyLongLivedCredentials", effect: "Deny",
		actions: []string{"iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"}, resources: []string{"*"}}
}

func regionGuard(sid string, actions []string) statement {
	return statement{sid: sid, effect: "Deny", actions: actions, resources: []string{"*"},
		conditions: []condition{{"StringNotEquals", "aws:RequestedRegion", regions}}}
}

// basePermissionSets are the sets assignments and machine roles name
// directly; they come first and are always written.
func basePermissionSets() []permSet {
	return []permSet{
		{name: "AdministratorAccess", desc: "Full access, for break-glass work outside the management account", level: "admin", session: "2h",
			managed: []string{"AdministratorAccess"}},
		{name: "ReadOnlyAccess", desc: "Read everything except Terraform state objects", level: "read", session: "8h",
			managed: []string{"ReadOnlyAccess", "AWSSupportAccess"},
			statements: []statement{
				{sid: "DenyStateObjects", effect: "Deny", actions: []string{"s3:GetObject", "s3:GetObjectVersion"}, resources: stateBucketObjects},
				{sid: "DenySecretValues", effect: "Deny", actions: []string{"secretsmanager:GetSecretValue", "ssm:GetParameter*"}, resources: []string{"*"}},
			}},
		{name: "TerraformPlanAccess", desc: "terraform plan (run with -lock=false); reads resources and state, never writes state", level: "plan", session: "4h",
			managed: []string{"ReadOnlyAccess"},
			statements: []statement{
				{sid: "ReadState", effect: "Allow", actions: []string{"s3:ListBucket", "s3:GetObject"}, resources: []string{"{state_bucket_arn}", "{state_bucket_arn}/*"}},
				{sid: "AssumeReadOnlyStateRole", effect: "Allow", actions: []string{"sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"}, resources: []string{"{state_read_only_role_arn}"}},
				denyStateWrites(),
				{sid: "DescribeRegions", effect: "Allow", actions: []string{"ec2:DescribeRegions"}, resources: []string{"*"}},
			}},
		{name: "TerraformApplyAccess", desc: "terraform apply in workload and core accounts (not the management account)", level: "write", session: "4h",
			managed: []string{"AdministratorAccess"},
			statements: []statement{
				{sid: "ReadWriteState", effect: "Allow", actions: []string{"s3:ListBucket", "s3:GetObject", "s3:PutObject"}, resources: []string{"{state_bucket_arn}", "{state_bucket_arn}/*"}},
				{sid: "LockState", effect: "Allow", actions: []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}, resources: []string{"{state_lock_table_arn}"}},
				{sid: "AssumeStateRole", effect: "Allow", actions: []string{"sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"}, resources: []string{"{state_read_write_role_arn}"}},
			}},
		{name: "TerraformStateAccess", desc: "Read Terraform state outputs; no writes", level: "state", session: "8h", file: true},
		{name: "BillingAccess", desc: "Billing console and cost reports", level: "billing", session: "4h",
			relay: "https://console.aws.amazon.com/billing/", managed: []string{"job-function/Billing", "AWSSupportAccess"}},
		{name: "SecurityAudit", desc: "Security tooling and configuration review", level: "read", session: "8h",
			managed: []string{"SecurityAudit", "job-function/ViewOnlyAccess"},
			statements: []statement{
				{sid: "ReadFindings", effect: "Allow", actions: []string{"guardduty:Get*", "guardduty:List*", "securityhub:Get*", "securityhub:List*", "access-analyzer:List*"}, resources: []string{"*"}},
				{sid: "DenyStateObjects", effect: "Deny", actions: []string{"s3:GetObject"}, resources: stateBucketObjects},
				denyIAMUsers(),
			}},
		{name: "IncidentResponder", desc: "Contain incidents: isolate instances, snapshot volumes, revoke sessions", level: "write", session: "2h",
			managed: []string{"ReadOnlyAccess"},
			statements: []statement{
				{sid: "Isolate", effect: "Allow", actions: []string{"ec2:ModifyInstanceAttribute", "ec2:CreateSnapshot", "ec2:StopInstances", "ec2:CreateTags"}, resources: []string{"*"}},
				{sid: "RevokeSessions", effect: "Allow", actions: []string{"iam:PutRolePolicy", "iam:ListRoles"}, resources: []string{"arn:{partition}:iam::*:role/*"}},
				regionGuard("DenyOtherRegions", []string{"ec2:*"}),
				denyStateWrites(),
			}},
		{name: "NetworkAdmin", desc: "VPC, Transit Gateway and DNS administration", level: "write", session: "4h",
			managed: []string{"job-function/NetworkAdministrator"},
			statements: []statement{
				{sid: "TransitGateway", effect: "Allow", actions: []string{"ec2:*TransitGateway*", "ram:*"}, resources: []string{"*"}},
				{sid: "DNS", effect: "Allow", actions: []string{"route53:*", "route53resolver:*"}, resources: []string{"*"}},
				regionGuard("DenyOtherRegions", []string{"ec2:*"}),
				denyIAMUsers(),
			}},
		{name: "Developer", desc: "Build and run services in non-production accounts", level: "write", session: "8h",
			managed: []string{"PowerUserAccess"},
			statements: []statement{
				{sid: "PassServiceRoles", effect: "Allow", actions: []string{"iam:PassRole"}, resources: []string{"arn:{partition}:iam::*:role/app-*"},
					conditions: []condition{{"StringEquals", "iam:PassedToService", []string{"ecs-tasks.amazonaws.com", "lambda.amazonaws.com"}}}},
				regionGuard("DenyOtherRegions", []string{"ec2:RunInstances", "lambda:CreateFunction", "ecs:CreateService"}),
				denyStateWrites(),
				denyIAMUsers(),
			}},
		{name: "SREOperator", desc: "Operate production services: scale, restart, roll back", level: "write", session: "4h",
			managed: []string{"ReadOnlyAccess", "CloudWatchFullAccess"},
			statements: []statement{
				{sid: "Scale", effect: "Allow", actions: []string{"autoscaling:SetDesiredCapacity", "ecs:UpdateService", "eks:UpdateNodegroupConfig"}, resources: []string{"*"}},
				{sid: "Restart", effect: "Allow", actions: []string{"ec2:RebootInstances", "rds:RebootDBInstance", "ecs:StopTask"}, resources: []string{"*"},
					conditions: []condition{{"StringEquals", "aws:ResourceTag/criticality", []string{"high", "medium"}}}},
				regionGuard("DenyOtherRegions", []string{"ec2:*", "ecs:*"}),
				denyStateWrites(),
			}},
		{name: "DataEngineer", desc: "Data pipelines over PII datasets, with KMS-encrypted outputs", level: "write", session: "8h",
			managed: []string{"AmazonAthenaFullAccess"},
			statements: []statement{
				{sid: "Glue", effect: "Allow", actions: []string{"glue:*"}, resources: []string{"*"}},
				{sid: "Datasets", effect: "Allow", actions: []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket"}, resources: []string{"arn:{partition}:s3:::{namespace}-*-datasets", "arn:{partition}:s3:::{namespace}-*-datasets/*"}},
				{sid: "RequireEncryption", effect: "Deny", actions: []string{"s3:PutObject"}, resources: []string{"*"},
					conditions: []condition{{"StringNotEquals", "s3:x-amz-server-side-encryption", []string{"aws:kms"}}}},
				denyStateWrites(),
			}},
		{name: "CostExplorer", desc: "Cost Explorer and budgets, read only", level: "read", session: "12h",
			managed: []string{"AWSBillingReadOnlyAccess"},
			statements: []statement{
				{sid: "CostExplorer", effect: "Allow", actions: []string{"ce:Get*", "ce:Describe*", "budgets:View*"}, resources: []string{"*"}},
				{sid: "DenyBillingChanges", effect: "Deny", actions: []string{"aws-portal:Modify*", "budgets:Modify*"}, resources: []string{"*"}},
			}},
		{name: "ComplianceAuditor", desc: "Evidence collection for audits", level: "read", session: "8h",
			managed: []string{"SecurityAudit"},
			statements: []statement{
				{sid: "Evidence", effect: "Allow", actions: []string{"config:Get*", "config:Describe*", "cloudtrail:LookupEvents", "audit-manager:Get*"}, resources: []string{"*"}},
				{sid: "DenyStateObjects", effect: "Deny", actions: []string{"s3:GetObject"}, resources: stateBucketObjects},
			}},
	}
}

func serviceOperator(s service) permSet {
	return permSet{
		name: s.title + "Operator", desc: "Operate " + s.title + " resources of the team, in approved regions", level: "write", session: "4h",
		managed: []string{"ReadOnlyAccess"},
		tags:    map[string]string{"service": s.prefix},
		statements: []statement{
			{sid: "Read", effect: "Allow", actions: s.read, resources: []string{"*"}},
			{sid: "Write", effect: "Allow", actions: s.write, resources: []string{"arn:{partition}:" + s.prefix + ":*:*:{namespace}-*"},
				conditions: []condition{{"StringEquals", "aws:RequestedRegion", regions}}},
			{sid: "RequireTeamTag", effect: "Deny", actions: s.write, resources: []string{"*"},
				conditions: []condition{{"Null", "aws:ResourceTag/team", []string{"true"}}}},
			denyStateWrites(),
			denyIAMUsers(),
		},
	}
}

func serviceReadOnly(s service) permSet {
	return permSet{
		name: s.title + "ReadOnly", desc: "Read " + s.title + " resources and their metrics", level: "read", session: "8h",
		tags: map[string]string{"service": s.prefix},
		statements: []statement{
			{sid: "Read", effect: "Allow", actions: s.read, resources: []string{"*"}},
			{sid: "Metrics", effect: "Allow", actions: []string{"cloudwatch:GetMetricData", "cloudwatch:ListMetrics", "logs:FilterLogEvents"}, resources: []string{"*"}},
			{sid: "DenyStateObjects", effect: "Deny", actions: []string{"s3:GetObject"}, resources: stateBucketObjects},
		},
	}
}

func (g *generator) makePermissionSets() {
	g.baseSets = basePermissionSets()
	for i := 0; len(g.baseSets)+len(g.serviceSets) < g.o.PermissionSets && i < 2*len(services); i++ {
		s := services[i/2]
		if i%2 == 0 {
			g.serviceSets = append(g.serviceSets, serviceOperator(s))
		} else {
			g.serviceSets = append(g.serviceSets, serviceReadOnly(s))
		}
	}
}

func writeStatements(w *yw, indent int, stmts []statement) {
	for _, s := range stmts {
		w.line(indent, "- sid: %s", s.sid)
		w.line(indent+1, "effect: %s", s.effect)
		if len(s.actions) > 0 {
			w.line(indent+1, "actions: %s", flow(s.actions))
		}
		if len(s.notActions) > 0 {
			w.line(indent+1, "not_actions: %s", flow(s.notActions))
		}
		w.line(indent+1, "resources: %s", flow(s.resources))
		if len(s.conditions) > 0 {
			w.line(indent+1, "conditions:")
			byOp := map[string][]condition{}
			var ops []string
			for _, c := range s.conditions {
				if _, ok := byOp[c.op]; !ok {
					ops = append(ops, c.op)
				}
				byOp[c.op] = append(byOp[c.op], c)
			}
			for _, op := range ops {
				w.line(indent+2, "%s:", q(op))
				for _, c := range byOp[op] {
					w.line(indent+3, "%s: %s", q(c.key), flow(c.values))
				}
			}
		}
	}
}

func (g *generator) permissionSetsYAML() []byte {
	var w yw
	w.WriteString(header)
	w.line(0, "permission_sets:")
	for _, ps := range append(append([]permSet{}, g.baseSets...), g.serviceSets...) {
		w.line(1, "%s:", ps.name)
		w.line(2, "description: %s", q(ps.desc))
		w.line(2, "access_level: %s", ps.level)
		w.line(2, "session_duration: %s", ps.session)
		if ps.relay != "" {
			w.line(2, "relay_state: %s", ps.relay)
		}
		if len(ps.managed) > 0 {
			w.line(2, "managed_policies: %s", flow(ps.managed))
		}
		switch {
		case ps.file:
			w.line(2, "inline_policy:")
			w.line(3, "file: policies/terraform-state-read.json")
		case len(ps.statements) > 0:
			w.line(2, "inline_policy:")
			w.line(3, "statements:")
			writeStatements(&w, 4, ps.statements)
		}
		if len(ps.tags) > 0 {
			w.line(2, "tags: %s", flowMap(ps.tags))
		}
	}
	return []byte(w.String())
}

const stateReadPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadStateObjects",
      "Effect": "Allow",
      "Action": ["s3:ListBucket", "s3:GetObject"],
      "Resource": ["arn:aws:s3:::scale-core-use1-root-tfstate", "arn:aws:s3:::scale-core-use1-root-tfstate/*"]
    },
    {
      "Sid": "AssumeReadOnlyStateRole",
      "Effect": "Allow",
      "Action": ["sts:AssumeRole", "sts:TagSession"],
      "Resource": "arn:aws:iam::100000000000:role/scale-core-gbl-root-tfstate-ro"
    },
    {
      "Sid": "DenyStateWrites",
      "Effect": "Deny",
      "Action": ["s3:PutObject", "s3:DeleteObject"],
      "Resource": "arn:aws:s3:::scale-core-use1-root-tfstate/*"
    }
  ]
}
`
