// Package cases holds the domain vocabulary that the case workflows, their
// activities and the API share: the statuses, actions and closure codes of
// an arrears lead (欠薪线索), the deadline policy per case kind, and the
// working-day calendar (工作日) that deadlines are counted on.
//
// Everything here is pure: no database, no clock. The calendar's data (the
// official holidays and adjusted working days of each year) is kept in the
// table work_calendar and handed in by the caller.
package cases
