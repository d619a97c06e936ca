package storage

// Codes of events' typed details (Event.Code). Each names the message
// LedgerEv_<code> of locales/ledger.*.yaml, whose fields are the event's
// Args. A code is part of the stored log: never rename one.
const (
	// The 叫应 engine.
	CodeCreated   = "created"   // Level (word level), Title, Count
	CodeHandled   = "handled"   // By (officials): took the call over
	CodeReminded  = "reminded"  // Reason (word reason) when no second call went out
	CodeEscalated = "escalated" // To (word role), People; Reason and Passed (officials) when nobody was told

	// Shifts (rota).
	CodeShiftReminded      = "shift_reminded"      // Shift (span), When (word), Unreached (word) when not reached
	CodeShiftCheckin       = "shift_checkin"       // Shift, People: the check-in 叫应 went out
	CodeShiftNoCheckin     = "shift_no_checkin"    // Shift: the check-in could not be raised
	CodeShiftEnded         = "shift_ended"         // Shift
	CodeHandoverAsked      = "handover_asked"      // Shift, People
	CodeHandover           = "handover"            // Shift, To (officials), Text
	CodeCheckedIn          = "checked_in"          // Shift; By (officials) when someone else answered
	CodeSpotcheck          = "spotcheck"           // Shifts (count), People, Minutes
	CodeSpotAnswered       = "spotcheck_answered"  // By (officials) when someone else answered
	CodeAbsent             = "absent"              // Why (word), Told (officials)
	CodeDutyMode           = "duty_mode"           // State (word), Type (word warning_type), Level (word level)
	CodeSwap               = "swap"                // Shift, Role (word), From, To (officials)
	CodeSwapExpired        = "swap_expired"        // Shift, Role, From, To, Reason (word)
	CodeRosterImported     = "roster_imported"     // Source, Count, From, To (time), Replaced
	CodeRosterGaps         = "roster_gaps"         // Count, Days, Told (officials)
	CodeTaskReminder       = "task_reminder"       // Rule, Count
	CodeReminderAck        = "reminder_ack"        // Rule
	CodeWarningIssued      = "warning_issued"      // Type, Level, Count, Units (units)
	CodeWarningLifted      = "warning_lifted"      // Type, Level
	CodeMeltdownStarted    = "meltdown_started"    // Items, Units (count), ConfirmBy (time)
	CodeMeltdownNone       = "meltdown_none"       // no checklist item applies
	CodeMeltdownConfirmed  = "meltdown_confirmed"  // No, Unit (units), Action (word meltdown_action), Value, Note
	CodeMeltdownComplete   = "meltdown_complete"   // Items
	CodeMeltdownOverdue    = "meltdown_overdue"    // Unit, Items (text: numbers)
	CodeMeltdownNoOne      = "meltdown_no_one"     // Unit
	CodeIncidentReported   = "incident_reported"   // Level (word incident_level), Category (word incident_category), Occurred, Place, Deaths, Serious, Missing, Loss, Due
	CodeIncidentUp         = "incident_up"         // To, Due; Late (minutes) when late
	CodeIncidentUpAgain    = "incident_up_again"   // To: the 补报
	CodeIncidentLate       = "incident_late"       // To, Due, Late (minutes): reported late
	CodeIncidentOverdue    = "incident_overdue"    // To, Due: not reported by the due time
	CodeIncidentReminder   = "incident_reminder"   // Due, Left (minutes), People
	CodeIncidentUpdate     = "incident_update"     // Deaths, Serious, Missing, Loss (each "old→new" text when changed), Level (word), LevelBefore, Outside (time), Note
	CodeIncidentSupplement = "incident_supplement" // Deaths, Serious, Missing, Loss, Until (time), To
	CodeTipReceived        = "tip_received"        // Named (text) unless anonymous, Photos
	CodeTipAssigned        = "tip_assigned"        // Unit (units), Due (time)
	CodeTipOverdue         = "tip_overdue"         // Unit, Due
	CodeTipClosed          = "tip_closed"          // Verified (word), Result
	CodeTipRewarded        = "tip_rewarded"        // Yuan
	CodeTipRevealed        = "tip_revealed"        // Reason (as typed)
	CodeLedgerExported     = "ledger_exported"     // Via (word), From, To (time), Scope, Calls, Reports, Duty, Incidents, Tips, Seq, Hash, Bytes, SHA256
	CodeLedgerWitness      = "ledger_witness"      // Seq, Hash, Told (officials)
)

// Codes of the hazard loop (隐患排查治理); Enterprise is the enterprise's
// name as the hazard records it.
const (
	CodeHazardFound     = "hazard_found"     // Enterprise, Level (word), Description, Photos (when any)
	CodeHazardAssigned  = "hazard_assigned"  // Enterprise, Due (time), Person (text), Told (officials); Listed (word), Responsibility, Measures, Funds, TimeLimit, Plan (the 五落实) and Leaders (officials) for 挂牌督办
	CodeHazardRectified = "hazard_rectified" // Person (text) when not an official, Note, Photos
	CodeHazardRechecked = "hazard_rechecked" // Note
	CodeHazardSentBack  = "hazard_sent_back" // Note, Due (time)
	CodeHazardClosed    = "hazard_closed"    // Enterprise, Note
	CodeHazardOverdue   = "hazard_overdue"   // Enterprise, Due (time), People (officials)
)

// Codes of the enterprise registry and of inspections (/check).
const (
	CodeEnterprisesImported = "enterprises_imported" // Source (the file), Count, Replaced
	CodeInspected           = "inspected"            // Enterprise, Kind (word), Checked, Findings, Photos, Hazards (ids, when any)
)

// Codes lists every code, for the test that each has its messages.
var Codes = []string{CodeCreated, CodeHandled, CodeReminded, CodeEscalated,
	CodeShiftReminded, CodeShiftCheckin, CodeShiftNoCheckin, CodeShiftEnded, CodeHandoverAsked, CodeHandover,
	CodeCheckedIn, CodeSpotcheck, CodeSpotAnswered, CodeAbsent, CodeDutyMode, CodeSwap, CodeSwapExpired,
	CodeRosterImported, CodeRosterGaps, CodeTaskReminder, CodeReminderAck,
	CodeWarningIssued, CodeWarningLifted, CodeMeltdownStarted, CodeMeltdownNone, CodeMeltdownConfirmed,
	CodeMeltdownComplete, CodeMeltdownOverdue, CodeMeltdownNoOne,
	CodeIncidentReported, CodeIncidentUp, CodeIncidentUpAgain, CodeIncidentLate, CodeIncidentOverdue,
	CodeIncidentReminder, CodeIncidentUpdate, CodeIncidentSupplement,
	CodeTipReceived, CodeTipAssigned, CodeTipOverdue, CodeTipClosed, CodeTipRewarded, CodeTipRevealed,
	CodeLedgerExported, CodeLedgerWitness,
	CodeHazardFound, CodeHazardAssigned, CodeHazardRectified, CodeHazardRechecked, CodeHazardSentBack,
	CodeHazardClosed, CodeHazardOverdue,
	CodeEnterprisesImported,
	CodeInspected,
	CodeGroupBound, CodeGroupUnbound, CodeGroupState, CodeGroupMigrated, CodeAckedGroup,
	CodeAckedPhone, CodePhoned, CodePhoneResult, CodePhoneHeld}

// Vocabularies of word arguments (Word): each names a family of messages
// the reader's word is taken from.
const (
	VocabLevel            = "level"             // blue, yellow, orange, red
	VocabRole             = "role"              // escalation targets: unit_head, leader, principal, duty_leader, shift_leader, office_head
	VocabReason           = "reason"            // Reason…: why a step reached nobody
	VocabWarningType      = "warning_type"      // config.WarningTypes
	VocabIncidentLevel    = "incident_level"    // incident.Levels
	VocabIncidentCategory = "incident_category" // incident.Categories
	VocabMeltdownAction   = "meltdown_action"   // config.MeltdownActions
	VocabWord             = "word"              // the ledger's own words (Word…)
)

// Vocabs lists the vocabularies.
var Vocabs = []string{VocabLevel, VocabRole, VocabReason, VocabWarningType, VocabIncidentLevel,
	VocabIncidentCategory, VocabMeltdownAction, VocabWord, VocabPhone}

// Words of VocabWord.
const (
	WordDayBefore   = "day_before"   // a shift reminder the day before
	WordBeforeStart = "before_start" // a shift reminder shortly before it starts
	WordUnreached   = "unreached"    // the person could not be reached in Telegram
	WordLeader      = "leader"       // a shift's 带班领导 place
	WordStaff       = "staff"        // a shift's 值班人员 place
	WordOn          = "on"
	WordOff         = "off"
	WordChanged     = "changed" // the shift or its people changed
	WordStarted     = "started" // the shift has started
	WordNoAnswer    = "no_answer"
	WordVerified    = "verified"
	WordNotVerified = "not_verified"
	WordChat        = "chat" // through the bot
	WordAPI         = "api"  // through the HTTP API
	WordCLI         = "cli"  // from the command line
)

// Words of VocabWord for hazards.
const (
	WordGeneral = "hazard_general" // 一般隐患
	WordMajor   = "hazard_major"   // 重大隐患
	WordListed  = "hazard_listed"  // 挂牌督办
)

// Words of VocabWord naming the kinds of inspection in the ledger.
const (
	WordInspectionCheck   = "inspection_check"   // 检查指导
	WordInspectionProblem = "inspection_problem" // 协调解决安全管理难题
)

// Words lists VocabWord's words.
var Words = []string{WordDayBefore, WordBeforeStart, WordUnreached, WordLeader, WordStaff, WordOn, WordOff,
	WordChanged, WordStarted,
	WordNoAnswer, WordVerified, WordNotVerified, WordChat, WordAPI, WordCLI,
	WordGeneral, WordMajor, WordListed,
	WordInspectionCheck, WordInspectionProblem,
	WordGroupMember, WordGroupAdministrator, WordGroupRestricted, WordGroupLeft, WordGroupKicked}
