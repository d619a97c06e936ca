package storage

// The event codes and words of 电话叫应 (phone/ keeps the calls).

// Codes of the phone channel's events.
const (
	CodeAckedPhone  = "acked_phone"  // Channel (word phone: call or sms): answered on the phone
	CodePhoned      = "phoned"       // Kind (word phone), People (officials), About (officials): a call or SMS placed
	CodePhoneResult = "phone_result" // Kind, Result (word phone), People (officials), Key (text) when one was pressed
	CodePhoneHeld   = "phone_held"   // Kind, People, Most (int), Per (word phone: hour, day): a frequency limit held it back
)

// VocabPhone is the vocabulary of the phone channel: the kinds (call,
// sms) and results (pressed, answered, no_answer, failed, held…).
const VocabPhone = "phone"
