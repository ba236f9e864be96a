package lint

import "testing"

func TestWriteCapable(t *testing.T) {
	for _, tc := range []struct {
		action string
		write  bool
	}{
		{"*", true},
		{"s3:*", true},
		{"s3:PutObject", true},
		{"s3:DeleteObject", true},
		{"dynamodb:PutItem", true},
		{"s3:*Object", true},
		{"s3:Get*", false},
		{"s3:GetObject", false},
		{"s3:ListBucket", false},
		{"ec2:DescribeRegions", false},
		{"dynamodb:Query", false},
		{"eks:Access*", false},
		{"kms:Decrypt", false},
		{"KMS:decrypt", false},
		{"sts:AssumeRole", false},
		{"sts:TagSession", false},
		{"sso:CreateAccountAssignment", true},
		{"identitystore:List*", false},
	} {
		if got := writeCapable(tc.action); got != tc.write {
			t.Errorf("writeCapable(%q) = %v, want %v", tc.action, got, tc.write)
		}
	}
}

func TestWriteCapableManaged(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write bool
	}{
		{"AdministratorAccess", true},
		{"PowerUserAccess", true},
		{"IAMFullAccess", true},
		{"AmazonS3FullAccess", true},
		{"AmazonEC2ContainerRegistryPowerUser", true},
		{"job-function/DatabaseAdministrator", true},
		{"job-function/Billing", true},
		{"ReadOnlyAccess", false},
		{"job-function/ViewOnlyAccess", false},
		{"AWSSupportAccess", false},
		{"AmazonS3ReadOnlyAccess", false},
	} {
		if got := writeCapableManaged(tc.name); got != tc.write {
			t.Errorf("writeCapableManaged(%q) = %v, want %v", tc.name, got, tc.write)
		}
	}
}

func TestCoversIsCaseInsensitive(t *testing.T) {
	for _, tc := range []struct {
		pattern, action string
		want            bool
	}{
		{"iam:Put*", "iam:PutRolePolicy", true},
		{"IAM:putrolepolicy", "iam:PutRolePolicy", true},
		{"iam:*", "iam:CreateAccessKey", true},
		{"iam:Get*", "iam:PutRolePolicy", false},
		{"sts:Assume*", "sts:AssumeRoot", true},
	} {
		if got := covers(tc.pattern, tc.action); got != tc.want {
			t.Errorf("covers(%q, %q) = %v, want %v", tc.pattern, tc.action, got, tc.want)
		}
	}
}

func TestAnyRole(t *testing.T) {
	for r, want := range map[string]bool{
		"*":                                  true,
		"arn:aws:iam::*:role/*":              true,
		"arn:aws:iam::123456789012:role/*":   true,
		"arn:aws:iam::123456789012:*":        true,
		"arn:aws:iam::*:role/acme-*-planner": false,
		"arn:aws:iam::123456789012:role/ci":  false,
	} {
		if got := anyRole(r); got != want {
			t.Errorf("anyRole(%q) = %v, want %v", r, got, want)
		}
	}
}
