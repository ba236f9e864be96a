package policy

import (
	"strings"
	"testing"
)

func TestParseAcceptsAWSShapes(t *testing.T) {
	doc, err := Parse([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Statement) != 1 || doc.Statement[0].Action[0] != "s3:GetObject" {
		t.Fatalf("doc = %+v", doc)
	}
	if got := string(doc.JSON()); got != `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}` {
		t.Errorf("JSON = %s", got)
	}
}

func TestParseErrorsHavePositions(t *testing.T) {
	for src, want := range map[string]string{
		"{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}": "4:",
		"{\"Version\": \"2012-10-17\", \"Statment\": []}":                                             "unknown policy field \"Statment\"",
		"{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": 1}]}":                             "expected string",
		"{\"Version\": \"2012-10-17\"}":                                                               "no Statement",
	} {
		_, err := Parse([]byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", src, err, want)
		}
	}
}

func TestValidate(t *testing.T) {
	doc := &Document{Version: DefaultVersion, Statement: []Statement{
		{Sid: "Ok", Effect: "Allow", Action: Values{"s3:GetObject"}, Resource: Values{"arn:aws:s3:::b/*"}},
		{Sid: "Ok", Effect: "Permit", Action: Values{"GetObject"}, Resource: Values{"bucket"}},
		{Effect: "Allow", Action: Values{"s3:*"}, NotAction: Values{"iam:*"}, Resource: Values{"arn:aws-cn:s3:::b"},
			Condition: map[string]map[string]Values{"StringEqualz": {"aws:x": {"y"}}, "ForAllValues:StringLike": {"k": {"v"}}}},
	}}
	var msgs []string
	for _, p := range Validate(doc, Identity, "aws") {
		msgs = append(msgs, p.Msg)
	}
	got := strings.Join(msgs, "\n")
	for _, want := range []string{
		`sid "Ok" is used by statement 1 too`, `effect must be Allow or Deny, got "Permit"`,
		`action "GetObject" is not of the form service:Action`, `resource "bucket" is not an ARN`,
		"both actions and not_actions", "partition aws-cn", `unknown condition operator "StringEqualz"`,
		"ForAllValues:StringLike in an Allow statement",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

func TestSizeLimits(t *testing.T) {
	var actions Values
	for i := 0; i < 700; i++ {
		actions = append(actions, "ec2:DescribeSomethingQuiteLong")
	}
	doc := &Document{Version: DefaultVersion, Statement: []Statement{{Effect: "Allow", Action: actions, Resource: Values{"*"}}}}
	probs := Validate(doc, Identity, "aws")
	if len(probs) != 1 || !strings.Contains(probs[0].Msg, "AWS allows 10240") {
		t.Errorf("problems = %+v", probs)
	}
}

func TestOperators(t *testing.T) {
	for op, want := range map[string]bool{
		"StringEquals": true, "StringLikeIfExists": true, "ForAnyValue:StringEquals": true, "Null": true,
		"NullIfExists": false, "ForSome:StringEquals": false, "Bogus": false,
	} {
		if ValidOperator(op) != want {
			t.Errorf("ValidOperator(%q) = %v", op, !want)
		}
	}
}

func TestSizeBoundIsAnUpperBound(t *testing.T) {
	docs := []*Document{
		{Version: DefaultVersion, Statement: []Statement{{Effect: "Allow", Action: Values{"s3:GetObject"}, Resource: Values{"*"}}}},
		{Version: DefaultVersion, Id: "x\"y\\z", Statement: []Statement{{Sid: "A1", Effect: "Deny",
			Principal: map[string]Values{"AWS": {"arn:aws:iam::111111111111:root"}, "Federated": {"é<>&\u2028\n"}},
			NotAction: Values{"iam:*", "sts:*"}, NotResource: Values{"arn:aws:s3:::b/ü"},
			Condition: map[string]map[string]Values{"StringLike": {"aws:PrincipalArn": {"a", "b"}}, "Bool": {"aws:SecureTransport": {"true"}}}}}},
	}
	for i, d := range docs {
		if n, _ := d.Size(); d.sizeBound() < n {
			t.Errorf("doc %d: bound %d < size %d", i, d.sizeBound(), n)
		}
	}
}
