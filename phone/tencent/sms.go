package tencent

import (
	"context"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
)

// SMS goes through the SDK's common client (its TC3 signing, transport and
// error parsing) with SendSms's request and answer declared here, field
// for field as the SDK's sms/v20210111 package declares them: that
// package needs a newer common module than the module proxy serves, and
// one build cannot hold two versions of common. When it is served, these
// types give way to sms/v20210111's SendSmsWithContext unchanged.

const (
	smsService = "sms"
	smsVersion = "2021-01-11"
)

// sendSmsRequest is sms v20210111 SendSmsRequest, pointers and tags as
// there: the SDK's JSON encoder takes omitempty for nil pointers only.
type sendSmsRequest struct {
	*tchttp.BaseRequest
	PhoneNumberSet   []*string `json:"PhoneNumberSet,omitnil,omitempty"`
	SmsSdkAppId      *string   `json:"SmsSdkAppId,omitnil,omitempty"`
	TemplateId       *string   `json:"TemplateId,omitnil,omitempty"`
	SignName         *string   `json:"SignName,omitnil,omitempty"`
	TemplateParamSet []*string `json:"TemplateParamSet,omitnil,omitempty"`
	SessionContext   *string   `json:"SessionContext,omitnil,omitempty"`
}

// sendSmsResponse is sms v20210111 SendSmsResponse.
type sendSmsResponse struct {
	*tchttp.BaseResponse
	Response *struct {
		SendStatusSet []smsSendStatus `json:"SendStatusSet"`
		RequestId     string          `json:"RequestId"`
	} `json:"Response"`
}

// smsSendStatus is sms v20210111 SendStatus: one number's outcome.
type smsSendStatus struct {
	SerialNo       string `json:"SerialNo"`
	PhoneNumber    string `json:"PhoneNumber"`
	Fee            uint64 `json:"Fee"`
	SessionContext string `json:"SessionContext"`
	Code           string `json:"Code"`
	Message        string `json:"Message"`
	IsoCode        string `json:"IsoCode"`
}

func newSendSmsRequest() *sendSmsRequest {
	r := &sendSmsRequest{BaseRequest: &tchttp.BaseRequest{}}
	r.Init().WithApiInfo(smsService, smsVersion, "SendSms")
	return r
}

// sendSms is what sms v20210111 Client.SendSmsWithContext does.
func sendSms(ctx context.Context, c *common.Client, r *sendSmsRequest) (*sendSmsResponse, error) {
	r.SetContext(ctx)
	resp := &sendSmsResponse{BaseResponse: &tchttp.BaseResponse{}}
	if err := c.Send(r, resp); err != nil {
		return nil, err
	}
	return resp, nil
}
