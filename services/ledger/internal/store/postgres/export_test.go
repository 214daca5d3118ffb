package postgres

// The claim's statements, for the plan test of package postgres_test.
const ClaimLockSQL = claimLockSQL

// ClaimSQL is claimSQL (a var: see there).
var ClaimSQL = claimSQL

// ThrottledSQL is throttledSQL, for the same plan tests.
const ThrottledSQL = throttledSQL

// OutcomeSQL is outcomeSQL, for the same plan tests.
const OutcomeSQL = outcomeSQL

// ReplayOneSQL is replayOneSQL, for the same plan tests.
const ReplayOneSQL = replayOneSQL

// ClaimNormalizationsSettingsSQL is claimNormalizationsSettingsSQL, for the
// same plan tests.
const ClaimNormalizationsSettingsSQL = claimNormalizationsSettingsSQL

// ClaimNormalizationsSQL is claimNormalizationsSQL (a var: it is built).
var ClaimNormalizationsSQL = claimNormalizationsSQL
