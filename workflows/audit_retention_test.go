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

func TestAuditRetention(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)

	t.Run("RunsTheActivityWithTheWorkflowClock", func(t *testing.T) {
		t.Parallel()
		var suite testsuite.WorkflowTestSuite
		env := suite.NewTestWorkflowEnvironment()
		env.RegisterActivity(a)
		env.SetStartTime(at)
		want := activities.AuditRetentionResult{
			Cutoff:   time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC),
			Archived: []activities.AuditMonth{{Month: "2025-10", Rows: 7, FirstID: 1, LastID: 7, File: "/a/audit-202510.csv.gz", SHA256: "ab"}},
		}
		env.OnActivity(a.PurgeSessions, mock.Anything, mock.MatchedBy(func(in activities.PurgeSessionsInput) bool {
			return in.Now.Equal(at)
		})).Return(int64(3), nil).Once()
		env.OnActivity(a.AuditRetention, mock.Anything, mock.MatchedBy(func(in activities.AuditRetentionInput) bool {
			return in.Now.Equal(at)
		})).Return(want, nil).Once()

		env.ExecuteWorkflow(workflows.AuditRetention)

		require.True(t, env.IsWorkflowCompleted())
		require.NoError(t, env.GetWorkflowError())
		var got workflows.RetentionResult
		require.NoError(t, env.GetWorkflowResult(&got))
		require.Equal(t, want, got.AuditRetentionResult)
		require.EqualValues(t, 3, got.SessionsPurged)
		env.AssertExpectations(t)
	})

	t.Run("RetriesThenFails", func(t *testing.T) {
		t.Parallel()
		var suite testsuite.WorkflowTestSuite
		env := suite.NewTestWorkflowEnvironment()
		env.RegisterActivity(a)
		env.OnActivity(a.PurgeSessions, mock.Anything, mock.Anything).Return(int64(0), nil).Once()
		env.OnActivity(a.AuditRetention, mock.Anything, mock.Anything).
			Return(activities.AuditRetentionResult{}, errors.New("disk full")).Times(5)

		env.ExecuteWorkflow(workflows.AuditRetention)

		var appErr *temporal.ApplicationError
		require.ErrorAs(t, env.GetWorkflowError(), &appErr)
		require.Contains(t, appErr.Error(), "disk full")
		env.AssertExpectations(t)
	})

	t.Run("DoesNotRetryAConfigurationError", func(t *testing.T) {
		t.Parallel()
		var suite testsuite.WorkflowTestSuite
		env := suite.NewTestWorkflowEnvironment()
		env.RegisterActivity(&activities.Activities{}) // no database, no archive dir

		env.ExecuteWorkflow(workflows.AuditRetention)

		var actErr *temporal.ActivityError
		require.ErrorAs(t, env.GetWorkflowError(), &actErr)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, actErr.Unwrap(), &appErr)
		require.Equal(t, "Config", appErr.Type())
		require.Contains(t, appErr.Error(), "no database")
		require.True(t, appErr.NonRetryable())
	})
}
