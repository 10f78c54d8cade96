package synth

// Intent is one thing visitors ask about, with the ways they ask it.
type Intent struct {
	Name string
	// English, Traditional Chinese (zh-TW) and Simplified Chinese phrasings.
	// The Simplified ones are script variants of Traditional ones, so that
	// topic grouping can be checked to join both scripts.
	EN, ZhTW, ZhCN []string
}

// GapIntents are questions the customer agent of the sample desk cannot
// answer: they become knowledge gaps. Exported so that tests of topic
// grouping have questions with known labels.
//
// Each intent is one need, which one short answer would cover, asked the
// way visitors ask it: most phrasings name the thing they want ("gift
// wrapping", "joint account", "分期付款"), a few say it otherwise ("Can I
// split the payment into monthly parts?"), as real questions about one
// need do.
var GapIntents = []Intent{
	{Name: "crypto_withdrawal",
		EN: []string{"Can I withdraw my balance as Bitcoin?", "Can I send money to my crypto wallet?",
			"how do i withdraw to my bitcoin wallet", "Is it possible to cash out in crypto?",
			"Can I transfer my balance to Coinbase?", "do you support bitcoin withdrawals"},
		ZhTW: []string{"可以把餘額提領成比特幣嗎?", "支援轉帳到加密貨幣錢包嗎?", "能不能提領到比特幣錢包?"},
		ZhCN: []string{"可以把余额提领成比特币吗?"}},
	{Name: "joint_account",
		EN: []string{"Can I open a joint account with my partner?", "How do I add my wife to my account as a joint holder?",
			"is there a joint account for couples", "Can two people share one account?", "add a second holder to my account"},
		ZhTW: []string{"可以和伴侶開聯名帳戶嗎?", "怎麼把太太加入成為聯名帳戶持有人?", "聯名帳戶要怎麼申請?"},
		ZhCN: []string{"怎么把太太加入成为联名账户持有人?"}},
	{Name: "business_invoice_vat",
		EN: []string{"Can I get a VAT invoice for my order?", "I need an invoice with my company tax number",
			"how do I get a tax invoice for business expenses", "Where can I download a VAT invoice?",
			"Can you put my company name on the invoice?"},
		ZhTW: []string{"可以開統一編號的發票嗎?", "我需要公司抬頭的發票", "哪裡可以下載公司發票?"},
		ZhCN: []string{"我需要公司抬头的发票"}},
	{Name: "pet_policy_delivery",
		EN: []string{"Will the courier deliver if I have a dog in the yard?", "My dog scares delivery drivers, will you still deliver?",
			"Can I ask the delivery driver not to ring because of my dog?", "delivery driver wont come in because of my dog"},
		ZhTW: []string{"院子裡有狗,快遞還會送嗎?", "家裡有狗,可以請快遞司機不要按門鈴嗎?"},
		ZhCN: []string{"院子里有狗,快递还会送吗?"}},
	{Name: "overseas_shipping",
		EN: []string{"Do you ship to Japan?", "Do you ship internationally?", "International shipping to Canada possible?",
			"how much is shipping to australia", "Do you ship outside the country?", "Can you ship my order to Hong Kong?"},
		ZhTW: []string{"可以寄到日本嗎?", "有海外寄送嗎?", "寄到香港運費多少?", "可以寄到加拿大嗎?"},
		ZhCN: []string{"有海外寄送吗?", "寄到香港运费多少?"}},
	{Name: "student_discount",
		EN: []string{"Is there a student discount?", "Do you offer discounts for university students?",
			"student discount available?", "Can I get a cheaper plan as a student?", "how do I verify my student status for a discount"},
		ZhTW: []string{"有學生優惠嗎?", "大學生有優惠嗎?", "學生優惠怎麼申請?"},
		ZhCN: []string{"有学生优惠吗?"}},
	{Name: "change_account_currency",
		EN: []string{"Can I change my account currency to euros?", "How do I switch my account's base currency?",
			"my account is in dollars, can I change the currency to pounds", "Can I change the currency of my account?"},
		ZhTW: []string{"可以把帳戶幣別改成歐元嗎?", "怎麼更改帳戶幣別?", "帳戶幣別可以換成日圓嗎?"},
		ZhCN: []string{"怎么更改账户币别?"}},
	{Name: "warranty_extension",
		EN: []string{"Can I extend the warranty on my purchase?", "Do you sell extended warranties?",
			"how long is the warranty and can I extend it", "Is there a 3 year warranty option?", "warranty expired last week, can it be extended"},
		ZhTW: []string{"保固可以延長嗎?", "有賣延長保固嗎?", "保固上週過期了還能延長嗎?"},
		ZhCN: []string{"保固可以延长吗?"}},
	{Name: "gift_wrapping",
		EN: []string{"Do you offer gift wrapping?", "Can you gift wrap my order?", "can i add a gift message with the gift wrap",
			"Is gift wrapping available?", "how much is gift wrapping"},
		ZhTW: []string{"有提供禮物包裝嗎?", "可以幫我包裝成禮物嗎?", "禮物包裝要加錢嗎?"},
		ZhCN: []string{"有提供礼物包装吗?"}},
	{Name: "account_inheritance",
		EN: []string{"My father passed away, how do I access his account?", "What happens to an account when the owner dies?",
			"I'm the executor of an estate, what do you need to close the account?", "How do I close a deceased relative's account?"},
		ZhTW: []string{"父親過世了,要怎麼處理他的帳戶?", "家人過世後,存款要怎麼處理?", "家人過世了,要怎麼關閉他的帳戶?"},
		ZhCN: []string{"父亲过世了,要怎么处理他的账户?"}},
	{Name: "cash_deposit",
		EN: []string{"Where can I deposit cash?", "Can I deposit cash into my account at a shop?", "how to deposit coins",
			"Is there an ATM that accepts cash deposits?", "Can I deposit cash at the post office?"},
		ZhTW: []string{"哪裡可以存現金?", "可以在超商存現金到帳戶嗎?", "有可以存現金的提款機嗎?"},
		ZhCN: []string{"哪里可以存现金?"}},
	{Name: "api_access",
		EN: []string{"Do you have an API for developers?", "Can I connect my accounting software through your API?",
			"where are the API docs", "Is there an API or a webhook for payments?", "how do I get an API key"},
		ZhTW: []string{"有提供開發者 API 嗎?", "可以用 API 串接會計軟體嗎?", "API 文件在哪裡?"},
		ZhCN: []string{"有提供开发者 API 吗?"}},
	{Name: "price_match",
		EN: []string{"Do you price match other stores?", "I found it cheaper elsewhere, can you match the price?",
			"price match guarantee?", "Will you match a lower price from another shop?"},
		ZhTW: []string{"可以比價嗎?別家比較便宜", "別家比較便宜,可以比照價格嗎?", "有比價保證嗎?"},
		ZhCN: []string{"可以比价吗?别家比较便宜"}},
	{Name: "bulk_order",
		EN: []string{"Can I place a bulk order for my company?", "Do you offer wholesale prices for bulk orders?",
			"I need 200 units, can I order in bulk?", "how do bulk orders work"},
		ZhTW: []string{"公司可以大量訂購嗎?", "大量訂購有批發價嗎?", "買兩百個有大量訂購折扣嗎?"},
		ZhCN: []string{"大量订购有批发价吗?"}},
	{Name: "card_abroad_fees",
		EN: []string{"What are the fees for using my card abroad?", "Is there a fee for paying in a foreign currency?",
			"do you charge fees for atm withdrawals abroad", "How much does it cost to use the card in Thailand?", "foreign transaction fee?"},
		ZhTW: []string{"在國外刷卡有手續費嗎?", "海外提款要收手續費嗎?", "用外幣付款有手續費嗎?"},
		ZhCN: []string{"在国外刷卡有手续费吗?", "海外提款要收手续费吗?"}},
	{Name: "data_deletion",
		EN: []string{"How do I delete all my personal data?", "I want you to delete my data under GDPR",
			"can you remove my personal data from your systems", "How do I request deletion of my data?"},
		ZhTW: []string{"要怎麼刪除我所有的個人資料?", "可以把我的個人資料從系統刪除嗎?", "在哪裡申請刪除我的資料?"},
		ZhCN: []string{"要怎么删除我所有的个人资料?"}},
	{Name: "loyalty_points_expiry",
		EN: []string{"When do my reward points expire?", "Do my loyalty points expire?",
			"my points expired, why?", "Do points expire if I don't use them?", "how long are reward points valid"},
		ZhTW: []string{"紅利點數什麼時候到期?", "點數會過期嗎?", "我的點數怎麼過期了?"},
		ZhCN: []string{"红利点数什么时候到期?", "我的点数怎么过期了?"}},
	{Name: "accessibility",
		EN: []string{"Is your app usable with a screen reader?", "Does the app work with a screen reader?",
			"I'm visually impaired, can I get statements in large print?", "accessibility options for blind users"},
		ZhTW: []string{"App 支援螢幕閱讀器嗎?", "視障者可以用螢幕閱讀器操作 App 嗎?", "視障者可以申請大字版對帳單嗎?"},
		ZhCN: []string{"App 支援屏幕阅读器吗?"}},
	{Name: "installment_plan",
		EN: []string{"Can I pay in installments?", "Do you offer buy now pay later?", "is there a 12 month installment plan",
			"Can I split the payment into monthly parts?", "zero interest installments available?"},
		ZhTW: []string{"可以分期付款嗎?", "有分期付款嗎?", "可以分十二期零利率嗎?"},
		ZhCN: []string{"可以分期付款吗?"}},
	{Name: "store_pickup",
		EN: []string{"Can I pick up my order in store?", "Is click and collect available?", "where is the nearest pickup point",
			"can i pick up the parcel myself at a pickup point"},
		ZhTW: []string{"可以到門市取貨嗎?", "最近的取貨點在哪裡?", "可以自己去門市取貨嗎?"},
		ZhCN: []string{"可以到门市取货吗?"}},
}

// answerable are questions the customer agent answers well.
var answerable = map[string][]string{
	"en": {"How do I reset my password?", "Where is my order?", "How can I change my delivery address?",
		"How do I cancel my subscription?", "What are your opening hours?", "How do I update my card details?",
		"Can I return an item I bought last week?", "How long does a refund take?", "How do I freeze my card?",
		"My card was declined, why?", "How do I change my email address?", "What is the status of my refund?"},
	"zh": {"怎麼重設密碼?", "我的訂單在哪裡?", "要怎麼更改收件地址?", "怎麼取消訂閱?", "客服時間是幾點到幾點?",
		"要怎麼更新信用卡資料?", "上週買的東西可以退貨嗎?", "退款要多久?", "卡片要怎麼凍結?", "為什麼我的卡被拒絕?"},
}

// agentReplies are what the customer agent says when it has an answer.
var agentReplies = map[string][]string{
	"en": {"You can do that from Settings › Account. Here is the article with the steps.",
		"I've looked into it: it's on its way and should arrive within 2 working days.",
		"Done — I've updated that for you. You'll get a confirmation email shortly.",
		"Refunds reach your card within 5–10 working days after we receive the item.",
		"Here's how: open the app, tap your card, then choose Freeze."},
	"zh": {"您可以在「設定 › 帳戶」中完成,這篇文章有詳細步驟。", "我查了一下,包裹已在途中,預計兩個工作天內送達。",
		"已經幫您更新完成,稍後會收到確認信。", "收到退貨後,退款會在 5 到 10 個工作天內退回信用卡。"},
}

// cannotAnswer are replies with which the agent admits it does not know.
var cannotAnswer = map[string][]string{
	"en": {"I'm sorry, I don't have information about that yet.", "I'm not able to answer that question.",
		"That's outside what I can help with right now."},
	"zh": {"抱歉,目前我沒有這方面的資訊。", "很抱歉,這個問題我無法回答。"},
}

// followUps are visitor messages after a first answer.
// surveyPraise and surveyComplaints are the comments of satisfaction
// surveys, by the rating's side.
var (
	surveyPraise = map[string][]string{
		"en": {"Quick and clear, thanks.", "Solved in two minutes.", "Very helpful."},
		"zh": {"回覆很快又清楚,謝謝。", "兩分鐘就解決了。", "非常有幫助。"},
	}
	surveyComplaints = map[string][]string{
		"en": {"Took too long to reach a person.", "The bot did not understand me.", "Still not fixed."},
		"zh": {"等了很久才找到真人。", "機器人聽不懂我的問題。", "問題還是沒解決。"},
	}
)

var followUps = map[string][]string{
	"en": {"Thanks!", "ok, and how long will that take?", "That didn't work.", "Great, thank you so much",
		"I already tried that", "Can I talk to a person?"},
	"zh": {"謝謝!", "好的,那要多久?", "這樣沒有用。", "太好了,謝謝你", "我已經試過了"},
}

// hostile are visitor texts that must be shown escaped everywhere.
var hostile = []string{
	`<script>alert("x")</script> where is my order?`,
	`My name is <b>Bob</b> & I need help with "refunds"`,
	`'; DROP TABLE events; -- can you help?`,
	`<img src=x onerror=alert(1)> card declined`,
}

var sourceTitles = []string{"Reset your password", "Track your order", "Change your delivery address",
	"Cancel a subscription", "Returns and refunds", "Freeze or unfreeze your card", "Update your payment details"}

var actionNames = []string{"lookup_order", "update_address", "refund_order", "freeze_card", "resend_receipt", "cancel_subscription"}
