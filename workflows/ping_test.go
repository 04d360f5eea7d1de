package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/workflows"
)

var a *activities.Activities

func setup(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterActivity(a)
	return env
}

func status(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.PingStatus {
	t.Helper()
	val, err := env.QueryWorkflow(workflows.StatusQuery)
	require.NoError(t, err)
	var st workflows.PingStatus
	require.NoError(t, val.Get(&st))
	return st
}

func TestPing(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	t.Run("ReturnsEcho", func(t *testing.T) {
		t.Parallel()
		env := setup(t)
		env.OnActivity(a.Echo, mock.Anything, activities.EchoInput{Message: "hi"}).
			Return(activities.EchoResult{Message: "hi", At: at}, nil).Once()

		env.ExecuteWorkflow(workflows.Ping, workflows.PingInput{Message: "hi"})

		require.True(t, env.IsWorkflowCompleted())
		require.NoError(t, env.GetWorkflowError())
		var res workflows.PingResult
		require.NoError(t, env.GetWorkflowResult(&res))
		require.Equal(t, workflows.PingResult{Message: "hi", EchoedAt: at}, res)
		require.Equal(t, workflows.PingStatus{Stage: workflows.PingDone, Result: &res}, status(t, env))
		env.AssertExpectations(t)
	})

	t.Run("StatusWhileEchoing", func(t *testing.T) {
		t.Parallel()
		env := setup(t)
		env.OnActivity(a.Echo, mock.Anything, mock.Anything).
			After(time.Minute). // simulated time
			Return(activities.EchoResult{Message: "slow", At: at}, nil)
		var during workflows.PingStatus
		env.RegisterDelayedCallback(func() { during = status(t, env) }, 30*time.Second)

		env.ExecuteWorkflow(workflows.Ping, workflows.PingInput{Message: "slow"})

		require.NoError(t, env.GetWorkflowError())
		require.Equal(t, workflows.PingStatus{Stage: workflows.PingEchoing}, during)
	})

	t.Run("FailsAfterThreeAttempts", func(t *testing.T) {
		t.Parallel()
		env := setup(t)
		env.OnActivity(a.Echo, mock.Anything, mock.Anything).
			Return(activities.EchoResult{}, errors.New("boom")).Times(3)

		env.ExecuteWorkflow(workflows.Ping, workflows.PingInput{Message: "x"})

		err := env.GetWorkflowError()
		require.Error(t, err)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr)
		require.Contains(t, appErr.Error(), "boom")
		require.Equal(t, workflows.PingEchoing, status(t, env).Stage)
		env.AssertExpectations(t)
	})
}

func TestNames(t *testing.T) {
	t.Parallel()
	require.Equal(t, "lead:42", workflows.LeadWorkflowID(42))
	require.Equal(t, "warning:42", workflows.WarningWorkflowID(42))
	require.Equal(t, "dispatch:42", workflows.DispatchWorkflowID(42))

	opts := workflows.StartOptions(workflows.LeadWorkflowID(42))
	require.Equal(t, "lead:42", opts.ID)
	require.Equal(t, workflows.TaskQueue, opts.TaskQueue)
	require.False(t, opts.WorkflowExecutionErrorWhenAlreadyStarted)
}
