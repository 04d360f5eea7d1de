package activities_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/anxin-city/anxin/activities"
)

func TestEcho(t *testing.T) {
	t.Parallel()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&activities.Activities{})

	before := time.Now().UTC()
	val, err := env.ExecuteActivity((&activities.Activities{}).Echo, activities.EchoInput{Message: "你好"})
	require.NoError(t, err)

	var got activities.EchoResult
	require.NoError(t, val.Get(&got))
	require.Equal(t, "你好", got.Message)
	require.False(t, got.At.Before(before), "At %s is before the call at %s", got.At, before)
	require.WithinDuration(t, before, got.At, time.Minute)
}
