package cmdutil

// IdentityArg annotates a command whose first argument may be an identity
// name; internal/app completes it like --identity.
const IdentityArg = "sesame/identity-arg"

// SetIdentityArg takes an identity given as a positional argument
// (`sesame exec IDENTITY -- cmd`, `sesame console IDENTITY`) as the
// selected identity. Naming a different one with --identity (or
// SESAME_IDENTITY) as well is a usage error.
func (f *Factory) SetIdentityArg(name string) error {
	if f.Globals.Identity != "" && f.Globals.Identity != name {
		return FlagErrorf("identity given twice: %s and --identity %s", name, f.Globals.Identity)
	}
	f.Globals.Identity = name
	return nil
}
