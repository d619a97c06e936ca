package ledger

// The workbook's vocabulary. The 台账 is a Chinese document with a fixed
// form, like the roster workbook, so its words live here rather than in the
// chat message files.

var levelLabels = map[string]string{"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}

func levelLabel(level string) string { return labelOr(levelLabels, level) }

var kindLabels = map[string]string{
	"":          "叫应",
	"alert":     "叫应",
	"task":      "逾期任务",
	"checkin":   "到岗签到",
	"spotcheck": "查岗",
	"weather":   "气象预警",
	"meltdown":  "熔断措施",
	"incident":  "事故直报",
	"tip":       "隐患举报",
}

func kindLabel(kind string) string { return labelOr(kindLabels, kind) }

var targetLabels = map[string]string{
	"unit_head":    "单位负责人",
	"leader":       "分管领导",
	"principal":    "主要负责人",
	"duty_leader":  "带班领导",
	"shift_leader": "带班领导",
	"office_head":  "值班办公室负责人",
}

// targetLabel names an escalation target; a list of officials
// ("officials:o-wu") is named by the people notified instead.
func targetLabel(to string) string {
	if l, ok := targetLabels[to]; ok {
		return l
	}
	return "指定人员"
}

var dutyLabels = map[string]string{
	"shift_reminded":     "值班提醒",
	"shift_started":      "到岗签到发出",
	"checked_in":         "到岗签到",
	"shift_ended":        "值班结束",
	"handover_asked":     "交接班提醒",
	"handover":           "交接班",
	"spotcheck":          "查岗",
	"spotcheck_answered": "查岗应答",
	"absent":             "脱岗",
	"duty_mode":          "极端天气值班",
	"swap_requested":     "申请换班",
	"swap_accepted":      "同意换班",
	"swap_declined":      "拒绝换班",
	"swap_approved":      "批准换班",
	"swap_rejected":      "驳回换班",
	"swap_expired":       "换班申请过期",
	"roster_imported":    "导入值班表",
}

var incidentLabels = map[string]string{
	"incident_reported":    "事故报告",
	"incident_update":      "续报",
	"incident_reported_up": "已上报",
	"incident_late":        "迟报",
	"incident_supplement":  "补报",
	"incident_reminder":    "上报提醒",
}

var tipLabels = map[string]string{
	"tip_received": "收到举报",
	"tip_assigned": "交办",
	"tip_overdue":  "逾期",
	"tip_closed":   "办结",
	"tip_verified": "查实",
	"tip_rewarded": "奖励",
	"tip_revealed": "查阅举报人身份",
}

// EventLabel names an event type in the workbook; a type it does not know
// keeps its name, so nothing new is ever dropped.
func EventLabel(typ string, labels map[string]string) string { return labelOr(labels, typ) }

func labelOr(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}
