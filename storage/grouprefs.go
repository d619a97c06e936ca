package storage

// The kinds of queued message and the event code of a 叫应 in a work group
// (callout/groupcalls.go keeps the calls themselves).

// RefGroup is a queued message about an alert's message in a work group:
// its post or an edit of it (Ref.Target is the group's id).
const RefGroup = "group"

// RefGroupRemind is a reminder posted in a work group naming its silent
// recipients who cannot be reminded privately (Ref.Target is the group).
const RefGroupRemind = "group_remind"

// CodeAckedGroup is the code of an EvAcked event of a press in a work
// group: Group (text), the group's name.
const CodeAckedGroup = "acked_group"
