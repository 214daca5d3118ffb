package verify

import "github.com/hookmesh/hookmesh/services/internal/platform/platformtest"

// The fuzz targets hold the two properties platformtest.CheckFuzz
// describes, with its known secret and oracle.

const fuzzKnown = platformtest.FuzzKnown

var (
	fuzzUnknowable = platformtest.FuzzUnknowable
	oracleMAC      = platformtest.OracleMAC
	checkFuzz      = platformtest.CheckFuzz
)
