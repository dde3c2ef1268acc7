"""Every sentence the bot says to a citizen, in Thai (first) and English.

One voice: polite, short enough for a phone screen, and always ``ค่ะ``. Placeholders are
``str.format`` fields filled by the flows.
"""
from __future__ import annotations

from typing import Any

TEXTS: dict[str, tuple[str, str]] = {
    # Main menu
    "menu": (
        "สวัสดีค่ะ ยินดีต้อนรับสู่ช่องทางร้องเรียนของ{name}\nต้องการทำรายการใดคะ",
        "Hello, this is the complaints channel of {name}.\nWhat would you like to do?",
    ),
    "menu.file": ("📝 ร้องเรียน", "📝 File a complaint"),
    "menu.misconduct": ("🛡️ แจ้งเบาะแสทุจริต", "🛡️ Report misconduct"),
    "menu.status": ("🔎 ติดตามเรื่องของฉัน", "🔎 Check my case"),
    "menu.contact": ("📞 ติดต่อเทศบาล", "📞 Contact us"),
    "menu.language": ("🌐 English", "🌐 ภาษาไทย"),
    "menu.back": ("🏠 เมนูหลัก", "🏠 Main menu"),
    "menu.pick": (
        "กรุณาเลือกจากเมนูด้านล่างค่ะ",
        "Please choose from the menu below.",
    ),
    "contact": (
        "📞 ติดต่อ{name}\nโทร {phone}\nจันทร์–ศุกร์ {opens}–{closes} น. (เว้นวันหยุดราชการ)\n"
        "เว็บไซต์ {website}\nFacebook {facebook}\n{address}",
        "📞 Contact {name}\nPhone {phone}\nMon–Fri {opens}–{closes} (except public holidays)\n"
        "Website {website}\nFacebook {facebook}\n{address}",
    ),
    # Misconduct reports (plan 2.5.3): anonymous or named
    "r.intro": (
        "🛡️ แจ้งเบาะแสทุจริตหรือการประพฤติมิชอบของเจ้าหน้าที่\n"
        "🔒 แบบไม่ระบุตัวตน เทศบาลจะไม่เก็บชื่อ บัญชี หรือแชตของท่าน ผู้รับเรื่องก็ไม่รู้ว่าใครแจ้ง\n"
        "📱 แต่ {platform} ยังรู้ว่าบัญชีของท่านคุยกับเทศบาลค่ะ\n"
        "ต้องการแจ้งแบบใดคะ",
        "🛡️ Report misconduct by municipal staff.\n"
        "🔒 Anonymously, we keep no name, account or chat of yours; the officer handling it "
        "cannot tell who reported.\n"
        "📱 {platform} itself still knows your account talked to the municipality.\n"
        "How would you like to report?",
    ),
    "r.anonymous": ("🕶️ ไม่ระบุตัวตน", "🕶️ Anonymously"),
    "r.named": ("🙋 ระบุชื่อ", "🙋 With my name"),
    "r.have_code": ("🔑 มีรหัสรับแจ้งแล้ว", "🔑 I have a code"),
    "r.memory_only": (
        "ร่างนี้อยู่ในหน่วยความจำเท่านั้น ไม่บันทึกลงระบบจนกว่าจะยืนยัน หากระบบเริ่มใหม่ต้องกรอกใหม่ค่ะ",
        "This draft stays in memory only until you confirm; if the system restarts, "
        "you will need to start again.",
    ),
    "r.division": (
        "เจ้าหน้าที่ที่จะแจ้งสังกัดกองใดคะ",
        "Which division does the staff member work in?",
    ),
    "r.division.unknown": ("❔ ไม่ทราบ", "❔ Don't know"),
    "r.what": (
        "เกิดอะไรขึ้นคะ กรุณาเล่ารายละเอียด (อย่างน้อย {min} ตัวอักษร)",
        "What happened? Please describe it (at least {min} characters).",
    ),
    "r.when": (
        "เกิดขึ้นเมื่อไรและที่ไหนคะ (พิมพ์สั้น ๆ)",
        "When and where did it happen? (briefly)",
    ),
    "r.evidence": (
        "มีหลักฐานเป็นรูปถ่ายหรือไฟล์ภาพไหมคะ ส่งได้ไม่เกิน {max} ภาพ หรือกด ข้าม\n"
        "ระบบจะลบข้อมูลแฝงในภาพ (ตำแหน่ง กล้อง วันที่) ก่อนเก็บค่ะ",
        "Any evidence, as photos or image files? Send up to {max}, or tap Skip.\n"
        "Hidden data in images (location, camera, dates) is removed before they are kept.",
    ),
    "r.told": (
        "ท่านเคยเล่าเรื่องนี้ให้ผู้อื่นฟัง หรือแจ้งที่อื่นไหมคะ",
        "Have you told anyone else, or reported this elsewhere?",
    ),
    "r.told.no": ("ยังไม่เคย", "No"),
    "r.told.yes": ("เคยแล้ว", "Yes"),
    "r.told.skip": ("ไม่ขอตอบ", "Prefer not to say"),
    "r.summary": ("กรุณาตรวจสอบเรื่องที่จะแจ้งค่ะ", "Please check your report."),
    "r.field.mode": ("รูปแบบ", "Mode"),
    "r.field.division": ("กองที่เกี่ยวข้อง", "Division"),
    "r.field.what": ("เหตุการณ์", "What happened"),
    "r.field.when": ("เวลาและสถานที่", "When and where"),
    "r.field.evidence": ("หลักฐาน", "Evidence"),
    "r.field.told": ("เคยบอกผู้อื่น", "Told others"),
    "r.receipt": ("🔑 รับเรื่องแจ้งเบาะแสแล้วค่ะ", "🔑 Your report is received."),
    "r.receipt.code": ("รหัสรับแจ้ง", "Receipt code"),
    "r.receipt.progress": ("แจ้งความคืบหน้าภายใน", "Progress by"),
    "r.receipt.keep": (
        "จดรหัสนี้เก็บไว้ ใช้ติดตามเรื่องและตอบคำถามเจ้าหน้าที่ได้ที่ แจ้งเบาะแสทุจริต → "
        "มีรหัสรับแจ้งแล้ว\nเทศบาลไม่มีสำเนารหัส หากหายจะกู้คืนไม่ได้ค่ะ",
        "Write this code down: it is how you follow up and answer questions (Report "
        "misconduct → I have a code).\nWe keep no copy; a lost code cannot be recovered.",
    ),
    "r.receipt.telegram": (
        "\nเมื่อกด บันทึกแล้ว ข้อความนี้จะถูกลบค่ะ",
        "\nWhen you tap Saved, this message will be deleted.",
    ),
    "r.receipt.line": (
        "\nเมื่อจดแล้ว โปรดลบข้อความนี้ออกจากแชตด้วยค่ะ",
        "\nOnce saved, please delete this message from the chat.",
    ),
    "r.saved": ("📝 บันทึกแล้ว", "📝 Saved"),
    "r.notify": (
        "ต้องการรับแจ้งเตือนเมื่อมีความคืบหน้าไหมคะ\n"
        "หากรับ ระบบต้องเก็บที่อยู่แชตของท่านแบบเข้ารหัส แยกจากเรื่อง และลบทิ้งเมื่อปิดเรื่อง "
        "ข้อความเตือนจะไม่มีเนื้อหาของเรื่องค่ะ\n"
        "หากไม่รับ จะไม่มีร่องรอยใดเชื่อมท่านกับเรื่องนี้ ให้ตรวจสอบเองด้วยรหัสค่ะ",
        "Would you like a notice when there is news?\n"
        "Then we must keep your chat address, encrypted, apart from the report, until it "
        "closes; a notice carries nothing of the report.\n"
        "If not, nothing links you to the report: check it yourself with your code.",
    ),
    "r.notify.yes": ("🔔 รับแจ้งเตือน", "🔔 Notify me"),
    "r.notify.no": ("🔕 ไม่รับ", "🔕 No, thanks"),
    "r.notify.on": ("ตั้งค่าแล้วค่ะ เมื่อมีความคืบหน้าจะแจ้งให้ทราบค่ะ",
                    "Done: you will get a notice when there is news."),
    "r.notify.off": ("รับทราบค่ะ ตรวจสอบความคืบหน้าได้ด้วยรหัสรับแจ้งค่ะ",
                     "Understood: check for news with your receipt code."),
    "r.news": (
        "🔔 มีความคืบหน้าเรื่องที่ท่านแจ้งเบาะแสไว้ค่ะ ดูได้ด้วยรหัสรับแจ้ง "
        "ที่เมนู แจ้งเบาะแสทุจริต",
        "🔔 There is news on your report: open it with your receipt code under "
        "Report misconduct.",
    ),
    "r.ack": ("✅ {name} ได้รับเรื่องแจ้งเบาะแสของท่านแล้วค่ะ",
              "✅ {name} has received your report."),
    "r.ack.handled": ("ผู้รับเรื่อง", "Handled by"),
    "a.code": ("กรุณาพิมพ์รหัสรับแจ้ง 16 หลักค่ะ", "Please type your 16-digit receipt code."),
    "a.code.bad": ("รหัสไม่ถูกต้องค่ะ", "That code is not right."),
    "a.code.wait": ("กรุณารอ {seconds} วินาที แล้วลองใหม่ค่ะ",
                    "Please wait {seconds} seconds, then try again."),
    "a.code.locked": ("ลองผิดหลายครั้งเกินไป กรุณาลองใหม่ในอีก 1 ชั่วโมงค่ะ",
                      "Too many wrong codes. Please try again in an hour."),
    "a.view": ("🛡️ เรื่องที่ท่านแจ้งเบาะแส", "🛡️ Your report"),
    "a.field.status": ("สถานะ", "Status"),
    "a.field.received": ("วันที่รับเรื่อง", "Received"),
    "a.field.due": ("กำหนดแจ้งผล", "Result due"),
    "a.field.history": ("ความคืบหน้า", "Progress"),
    "a.answer": ("💬 ตอบคำถาม", "💬 Answer"),
    "a.add": ("➕ เพิ่มข้อมูล", "➕ Add information"),
    "a.answer.prompt": ("กรุณาพิมพ์คำตอบค่ะ\nคำถาม: {question}",
                        "Please type your answer.\nQuestion: {question}"),
    "a.add.prompt": ("พิมพ์ข้อมูลเพิ่มเติม หรือส่งภาพหลักฐานค่ะ",
                     "Type more information, or send an image as evidence."),
    "a.sent": ("ส่งให้ผู้รับเรื่องแล้วค่ะ ขอบคุณค่ะ", "Sent to the officers. Thank you."),
    "a.has_code": (
        "ข้อความนี้มีรหัสรับแจ้งของท่านอยู่ จึงไม่ได้ส่งค่ะ กรุณาพิมพ์ใหม่โดยไม่ใส่รหัสค่ะ",
        "That message contains your receipt code, so it was not sent. Please write it "
        "again without the code.",
    ),
    "a.ev.filed": ("{day} รับเรื่อง", "{day} received"),
    "a.ev.status": ("{day} {status}", "{day} {status}"),
    "a.ev.note": ("{day} {status}: {note}", "{day} {status}: {note}"),
    "a.ev.asked": ("{day} ❓ เจ้าหน้าที่ถาม: {note}", "{day} ❓ Officers asked: {note}"),
    "a.ev.answered": ("{day} 💬 ท่านตอบ: {note}", "{day} 💬 You answered: {note}"),
    "a.ev.added": ("{day} ➕ ท่านเพิ่มข้อมูล", "{day} ➕ You added information"),
    "a.ev.postponed": ("{day} 📅 เลื่อนกำหนดแจ้งผล: {note}", "{day} 📅 New date: {note}"),
    "r.status.closed": ("ปิดเรื่องแล้ว", "Closed"),
    "cancelled": ("ยกเลิกแล้วค่ะ", "Cancelled."),
    "flood": (
        "ข้อความเข้ามาเร็วเกินไปค่ะ กรุณารอสักครู่แล้วส่งใหม่ ระหว่างนี้ระบบจะยังไม่อ่านข้อความค่ะ",
        "Messages are arriving too fast. Please wait a moment and send again; until then, "
        "new messages are not read.",
    ),
    "limit.cases": (
        "วันนี้ท่านแจ้งเรื่องครบ {count} เรื่องแล้วค่ะ กรุณาส่งเรื่องนี้พรุ่งนี้ หรือโทร {phone} ค่ะ",
        "You have filed {count} cases today. Please send this one tomorrow, or call {phone}.",
    ),
    "more": ("ตัวเลือกเพิ่มเติมค่ะ", "More choices:"),
    "error": (
        "ขออภัยค่ะ ระบบขัดข้องชั่วคราว ข้อมูลที่กรอกไว้ยังอยู่ กรุณาลองอีกครั้งค่ะ",
        "Sorry, something went wrong on our side. Nothing you entered is lost; please try again.",
    ),
    "stale_button": (
        "ปุ่มนี้เป็นของคำถามก่อนหน้าค่ะ",
        "That button belongs to an earlier question.",
    ),
    "unsupported": (
        "ขออภัยค่ะ ระบบยังรับข้อความประเภทนี้ไม่ได้ค่ะ",
        "Sorry, I can't read that kind of message.",
    ),
    "unsupported.image": (
        "ขออภัยค่ะ ไฟล์นี้ไม่ใช่รูปถ่ายที่ระบบเปิดได้ กรุณาส่งรูปถ่าย (JPEG หรือ PNG) ค่ะ",
        "Sorry, that file is not a photo I can open. Please send a photo (JPEG or PNG).",
    ),
    # Grievance flow
    "g.category": (
        "เรื่องที่ต้องการแจ้งเป็นเรื่องใดคะ",
        "What is your complaint about?",
    ),
    "g.description": (
        "กรุณาเล่ารายละเอียดของปัญหาค่ะ (อย่างน้อย {min} ตัวอักษร)",
        "Please describe the problem (at least {min} characters).",
    ),
    "g.description.short": (
        "ข้อความสั้นเกินไปค่ะ กรุณาเล่าเพิ่มอีกนิด อย่างน้อย {min} ตัวอักษร",
        "That is too short. Please tell us a bit more: at least {min} characters.",
    ),
    "g.description.long": (
        "ข้อความยาวเกินไปค่ะ ({length} ตัวอักษร) กรุณาสรุปให้ไม่เกิน {max} ตัวอักษร",
        "That is too long ({length} characters). Please keep it within {max} characters.",
    ),
    "g.location": (
        "เกิดเหตุที่ไหนคะ กดปุ่มส่งตำแหน่ง พิมพ์ที่อยู่หรือจุดสังเกต หรือกด ข้าม",
        "Where is it? Share your location, type an address or landmark, or tap Skip.",
    ),
    "g.location.button": ("📍 ส่งตำแหน่งปัจจุบัน", "📍 Share my location"),
    "g.location.bad": ("ตำแหน่งนี้ไม่ถูกต้องค่ะ", "That location is not valid."),
    "g.description.words": (
        "กรุณาเล่าเป็นข้อความค่ะ ว่าเกิดอะไรขึ้นที่ไหน",
        "Please describe it in words: what happened, and where.",
    ),
    "g.location.short": (
        "ที่อยู่สั้นเกินไปค่ะ กรุณาพิมพ์อย่างน้อย {min} ตัวอักษร หรือกด ข้าม",
        "That address is too short: at least {min} characters, or tap Skip.",
    ),
    "g.location.long": (
        "ที่อยู่ยาวเกินไปค่ะ กรุณาพิมพ์ไม่เกิน {max} ตัวอักษร",
        "That address is too long: {max} characters at most.",
    ),
    "g.photos": (
        "มีรูปถ่ายประกอบไหมคะ ส่งได้ไม่เกิน {max} รูป หรือกด ข้าม",
        "Do you have photos? Send up to {max}, or tap Skip.",
    ),
    "g.photos.got": (
        "ได้รับรูปที่ {count} แล้วค่ะ ส่งเพิ่มได้อีก {left} รูป หรือกด เสร็จแล้ว",
        "Got photo {count}. You can send {left} more, or tap Done.",
    ),
    "g.photos.full": (
        "ได้รับครบ {max} รูปแล้วค่ะ",
        "Got all {max} photos.",
    ),
    "g.photos.wait": (
        "รอรับรูปอยู่ค่ะ ส่งรูปถ่าย หรือกด {button}",
        "I'm waiting for photos. Send one, or tap {button}.",
    ),
    "g.phone": (
        "ขอเบอร์โทรสำหรับติดต่อกลับไหมคะ (ไม่บังคับ)\n"
        "ใช้เพื่อติดต่อเรื่องนี้เท่านั้น และลบภายใน {days} วันหลังปิดเรื่อง",
        "May we have a phone number to call you back? (optional)\n"
        "Used only for this case and deleted within {days} days after it closes.",
    ),
    "g.phone.button": ("📱 ส่งเบอร์โทรของฉัน", "📱 Share my number"),
    "g.phone.invalid": (
        "เบอร์โทรไม่ถูกต้องค่ะ กรุณาพิมพ์เบอร์ 9–10 หลัก เช่น 0812345678 หรือกด ข้าม",
        "That isn't a valid phone number. Type 9–10 digits, e.g. 0812345678, or tap Skip.",
    ),
    "g.summary": ("กรุณาตรวจสอบเรื่องที่จะแจ้งค่ะ", "Please check your complaint."),
    "g.summary.question": ("ถูกต้องไหมคะ", "Is this correct?"),
    "g.summary.none": ("ไม่ระบุ", "not given"),
    "g.summary.photos": ("{count} รูป", "{count}"),
    "g.summary.pin": ("ตำแหน่งที่ส่งมา ({lat:.5f}, {lon:.5f})", "shared pin ({lat:.5f}, {lon:.5f})"),
    "g.confirm": ("✅ ยืนยันส่งเรื่อง", "✅ Confirm"),
    "g.edit": ("✏️ แก้ไข", "✏️ Edit"),
    "g.cancel": ("❌ ยกเลิก", "❌ Cancel"),
    "g.edit.which": ("ต้องการแก้ไขข้อใดคะ", "What would you like to change?"),
    "g.field.category": ("หมวด", "Category"),
    "g.field.description": ("รายละเอียด", "Details"),
    "g.field.location": ("สถานที่", "Location"),
    "g.field.photos": ("รูปถ่าย", "Photos"),
    "g.field.phone": ("เบอร์ติดต่อ", "Phone"),
    "g.edit.back": ("↩️ กลับไปหน้าสรุป", "↩️ Back to summary"),
    "g.phone.thanks": ("ขอบคุณค่ะ", "Thank you."),
    "g.saved": ("แก้ไขแล้วค่ะ", "Updated."),
    "skip": ("ข้าม", "Skip"),
    "done": ("เสร็จแล้ว", "Done"),
    "g.ack": (
        "✅ {name} ได้รับเรื่องของท่านแล้วค่ะ",
        "✅ {name} has received your complaint.",
    ),
    "g.ack.reference": ("เลขที่เรื่อง", "Reference"),
    "g.ack.division": ("หน่วยงานที่รับผิดชอบ", "Responsible"),
    "g.ack.received": ("วันที่รับเรื่อง", "Received"),
    "g.ack.due": ("กำหนดแจ้งผล", "Result due"),
    "g.ack.due_value": (
        "ภายใน {days} วันทำการ ไม่เกิน{due}",
        "within {days} working days, by {due}",
    ),
    "g.ack.keep": (
        "เก็บเลขที่เรื่องไว้เพื่อติดตามเรื่อง หรือแจ้งทางโทรศัพท์ {phone} ได้ค่ะ",
        "Keep the reference to follow up here or by phone on {phone}.",
    ),
    "g.ack.after_hours": (
        "\nขณะนี้อยู่นอกเวลาราชการ เจ้าหน้าที่จะรับเรื่อง{opening} เวลา {time} น. ค่ะ",
        "\nThe office is closed now; staff will pick this up on {opening} at {time}.",
    ),
    # Status check
    "s.none": (
        "ยังไม่มีเรื่องที่แจ้งผ่านช่องทางนี้ค่ะ",
        "You have not filed any case through this chat yet.",
    ),
    "s.list": (
        "เรื่องของท่าน:\n\n{lines}\n\nกดเลขที่เรื่อง หรือพิมพ์เลขที่เรื่องเพื่อดูรายละเอียดค่ะ",
        "Your cases:\n\n{lines}\n\nTap or type a reference to see the details.",
    ),
    "s.line": ("{reference} · {category}\nสถานะ: {status} · กำหนด {due}",
               "{reference} · {category}\nStatus: {status} · due {due}"),
    "s.detail": (
        "เลขที่เรื่อง: {reference}\nหมวด: {category}\nหน่วยงาน: {division}\n"
        "สถานะ: {status}\nวันที่รับเรื่อง: {received}\nกำหนดแจ้งผล: {due}\n"
        "รายละเอียด: {description}\nสถานที่: {location}",
        "Reference: {reference}\nCategory: {category}\nResponsible: {division}\n"
        "Status: {status}\nReceived: {received}\nResult due: {due}\n"
        "Details: {description}\nLocation: {location}",
    ),
    "s.not_found": (
        "ไม่พบเรื่องเลขที่ {reference} ในเรื่องที่ท่านแจ้งไว้ค่ะ กรุณาตรวจสอบเลขที่อีกครั้งค่ะ",
        "No case {reference} among the cases you filed. Please check the reference.",
    ),
    # Case statuses, as the citizen reads them
    "status.new": ("รอเจ้าหน้าที่รับเรื่อง", "Waiting for staff to take it"),
    "status.accepted": ("เจ้าหน้าที่รับเรื่องแล้ว", "Accepted by staff"),
    "status.in_progress": ("กำลังดำเนินการ", "In progress"),
    "status.resolved": ("แก้ไขแล้ว รอยืนยัน", "Resolved, awaiting your confirmation"),
    "status.closed": ("ปิดเรื่องแล้ว (แก้ไขเรียบร้อย)", "Closed: fixed"),
    "status.closed_unconfirmed": ("ปิดเรื่องแล้ว (ไม่ได้รับการยืนยัน)",
                                  "Closed without confirmation"),
    "status.rejected": ("ไม่อยู่ในอำนาจหน้าที่ของเทศบาล", "Not the municipality's remit"),
    "status.reopened": ("เปิดเรื่องอีกครั้ง", "Reopened"),
    # What the citizen is told at each move (the officer appears as their division)
    "u.accepted": ("📌 เรื่อง {reference}: {division}รับเรื่องแล้วค่ะ",
                   "📌 Case {reference}: the {division} has accepted it."),
    "u.in_progress": ("🔧 เรื่อง {reference}: {division}กำลังดำเนินการค่ะ",
                      "🔧 Case {reference}: the {division} is working on it."),
    "u.resolved": (
        "✅ เรื่อง {reference}: {division}แจ้งว่าแก้ไขเรียบร้อยแล้วค่ะ\nผลการดำเนินการ: {note}"
        "\n\nแก้ไขเรียบร้อยแล้วใช่ไหมคะ",
        "✅ Case {reference}: the {division} reports it resolved.\nWhat was done: {note}"
        "\n\nIs it fixed?",
    ),
    "u.fixed.ask": ("เรื่อง {reference} แก้ไขเรียบร้อยแล้วใช่ไหมคะ", "Is case {reference} fixed?"),
    "u.fixed.yes": ("👍 ใช่ เรียบร้อยแล้ว", "👍 Yes, it's fixed"),
    "u.fixed.no": ("👎 ยังไม่เรียบร้อย", "👎 Not fixed"),
    "u.transferred": (
        "🔀 เรื่อง {reference}: ส่งต่อให้{division}ดูแลค่ะ\nเหตุผล: {note}",
        "🔀 Case {reference}: passed to the {division}.\nWhy: {note}",
    ),
    "u.rejected": (
        "เรื่อง {reference}: ไม่อยู่ในอำนาจหน้าที่ของเทศบาลค่ะ\nเหตุผล: {note}\n"
        "ติดต่อได้ที่: {where}",
        "Case {reference}: this is not the municipality's remit.\nWhy: {note}\n"
        "Please contact: {where}",
    ),
    "u.asked": (
        "❓ {division}ขอข้อมูลเพิ่มเติมเรื่อง {reference}:\n{question}\n\n"
        "พิมพ์คำตอบ หรือส่งรูปถ่ายได้เลยค่ะ",
        "❓ The {division} asks about case {reference}:\n{question}\n\n"
        "Type your answer or send a photo.",
    ),
    "u.answer.skip": ("ไม่ขอตอบ", "Skip"),
    "u.answer.sent": ("ส่งคำตอบให้เจ้าหน้าที่แล้วค่ะ ขอบคุณค่ะ",
                      "Your answer was passed to the staff. Thank you."),
    "u.answer.wait": ("กรุณาพิมพ์คำตอบ หรือส่งรูปถ่ายค่ะ", "Please type your answer or send a photo."),
    "u.closed": (
        "ขอบคุณค่ะ ปิดเรื่อง {reference} แล้ว\nให้คะแนนความพึงพอใจต่อการแก้ไขเรื่องนี้ 1–5 คะ",
        "Thank you, case {reference} is closed.\nHow satisfied are you, from 1 to 5?",
    ),
    "u.rated": ("ขอบคุณสำหรับคะแนนค่ะ", "Thank you for your rating."),
    "u.reopened": (
        "รับทราบค่ะ เปิดเรื่อง {reference} อีกครั้ง และแจ้งหัวหน้า{division}แล้วค่ะ",
        "Noted: case {reference} is reopened and the head of the {division} is told.",
    ),
    "u.unconfirmed": (
        "ปิดเรื่อง {reference} แล้ว เนื่องจากไม่ได้รับการยืนยันภายใน {days} วันค่ะ "
        "หากยังไม่เรียบร้อย แจ้งเรื่องใหม่ได้ตลอดเวลาค่ะ",
        "Case {reference} is closed: no confirmation came within {days} days. "
        "If it is not fixed, file it again at any time.",
    ),
    # Officers
    "o.bound": ("ลงทะเบียนเป็นเจ้าหน้าที่ของ{division}แล้วค่ะ (บทบาท: {role})",
                "You are now registered with the {division} (role: {role})."),
    "role.officer": ("เจ้าหน้าที่", "officer"),
    "role.head": ("หัวหน้ากอง", "head of division"),
    "role.centre": ("ศูนย์รับเรื่องร้องเรียน", "complaint centre"),
    "role.integrity": ("เจ้าหน้าที่ตรวจสอบการทุจริต", "integrity officer"),
    "role.admin": ("ผู้ดูแลระบบ", "administrator"),
    "o.group.bound": ("กลุ่มนี้จะได้รับแจ้งเรื่องใหม่ของ{division}ค่ะ",
                      "This group will receive the {division}'s new cases."),
    "o.invite.bad": ("รหัสนี้ใช้ไม่ได้ หรือหมดอายุแล้วค่ะ", "This code is not valid or has expired."),
    "o.forbidden": ("ขออภัยค่ะ ท่านไม่มีสิทธิ์ทำรายการนี้ค่ะ", "Sorry, you are not allowed to do that."),
    "o.not_now": ("เรื่อง {reference} อยู่ในสถานะ \"{status}\" แล้ว ทำรายการนี้ไม่ได้ค่ะ",
                  "Case {reference} is now \"{status}\"; that action no longer applies."),
    "o.menu": ("เมนูเจ้าหน้าที่ {division}", "Officer menu, {division}"),
    "o.menu.cases": ("📋 เรื่องที่เปิดอยู่", "📋 Open cases"),
    "o.menu.overdue": ("⏰ เรื่องเกินกำหนด", "⏰ Overdue cases"),
    "o.list": ("เรื่องที่เปิดอยู่ (ใกล้ครบกำหนดก่อน):\n\n{lines}",
               "Open cases, soonest due first:\n\n{lines}"),
    "o.list.overdue": ("เรื่องที่เกินกำหนด:\n\n{lines}", "Overdue cases:\n\n{lines}"),
    "o.list.line": ("{reference} · {category} · {status} · กำหนด {due}",
                    "{reference} · {category} · {status} · due {due}"),
    "o.list.none": ("ไม่มีเรื่องค้างค่ะ", "No cases."),
    "o.alert": ("🆕 เรื่องใหม่ {reference}", "🆕 New case {reference}"),
    "o.transferred_in": ("🔀 เรื่องโอนมาจาก{from_division}: {reference}",
                         "🔀 Case transferred from the {from_division}: {reference}"),
    "o.reopened": ("⚠️ ผู้ร้องแจ้งว่าเรื่อง {reference} ยังไม่เรียบร้อย เปิดเรื่องอีกครั้งค่ะ",
                   "⚠️ The citizen says case {reference} is not fixed: it is reopened."),
    "o.case": ("เรื่อง {reference}", "Case {reference}"),
    "o.field.category": ("หมวด", "Category"),
    "o.field.status": ("สถานะ", "Status"),
    "o.field.description": ("รายละเอียด", "Details"),
    "o.field.location": ("สถานที่", "Location"),
    "o.field.map": ("แผนที่", "Map"),
    "o.field.photos": ("รูปถ่าย", "Photos"),
    "o.field.due": ("กำหนดแจ้งผล", "Result due"),
    "o.field.contact": ("ติดต่อผู้ร้อง", "Citizen's phone"),
    "o.field.timeline": ("ลำดับเหตุการณ์", "Timeline"),
    "o.contact.none": ("ไม่ได้ให้ไว้", "not given"),
    "o.do.accept": ("✅ รับเรื่อง", "✅ Accept"),
    "o.do.progress": ("🔧 เริ่มดำเนินการ", "🔧 Start work"),
    "o.do.resolve": ("🏁 แก้ไขเสร็จ", "🏁 Resolved"),
    "o.do.transfer": ("🔀 โอนกอง", "🔀 Transfer"),
    "o.do.reject": ("🚫 ไม่ใช่อำนาจหน้าที่", "🚫 Not our remit"),
    "o.do.ask": ("❓ ถามผู้ร้อง", "❓ Ask the citizen"),
    "o.done": ("บันทึกแล้วค่ะ เรื่อง {reference} สถานะ: {status}",
               "Saved. Case {reference} is now: {status}."),
    "o.transfer.to": ("โอนเรื่อง {reference} ให้กองใดคะ", "Transfer case {reference} to which division?"),
    "o.transfer.reason": ("กรุณาพิมพ์เหตุผลที่โอนค่ะ (ผู้ร้องจะเห็นข้อความนี้)",
                          "Why transfer it? (the citizen will read this)"),
    "o.transfer.done": ("โอนเรื่อง {reference} ให้{division}แล้วค่ะ",
                        "Case {reference} transferred to the {division}."),
    "o.reject.reason": ("กรุณาพิมพ์เหตุผลที่ไม่อยู่ในอำนาจหน้าที่ค่ะ (ผู้ร้องจะเห็นข้อความนี้)",
                        "Why is it not our remit? (the citizen will read this)"),
    "o.reject.where": ("ผู้ร้องควรติดต่อหน่วยงานใดคะ (ชื่อและช่องทางติดต่อ)",
                       "Where should the citizen go instead? (name and how to reach them)"),
    "o.ask.question": ("กรุณาพิมพ์คำถามถึงผู้ร้องค่ะ", "Type your question for the citizen."),
    "o.ask.done": ("ส่งคำถามเรื่อง {reference} ให้ผู้ร้องแล้วค่ะ คำตอบจะส่งถึงท่านทางแชตส่วนตัว",
                   "Question sent for case {reference}; the answer will come to your private chat."),
    "o.answer": ("💬 ผู้ร้องตอบเรื่อง {reference}:\n{answer}",
                 "💬 The citizen answered on case {reference}:\n{answer}"),
    "o.declined": ("ผู้ร้องไม่ตอบคำถามเรื่อง {reference} ค่ะ นับเวลาต่อแล้ว",
                   "The citizen declined to answer on case {reference}; its clocks run again."),
    "o.answer.photo": ("(รูปถ่าย)", "(a photo)"),
    "o.resolve.note": ("กรุณาพิมพ์สรุปผลการแก้ไขค่ะ (ผู้ร้องจะเห็นข้อความนี้)",
                       "What was done? (the citizen will read this)"),
    "o.resolve.photo": ("ส่งรูปหลังแก้ไข หรือกด ข้าม ค่ะ", "Send an after-photo, or tap Skip."),
    "o.remind": ("⏳ เรื่อง {reference} ต้องแจ้งผลภายใน{due} (อีก {days} วันทำการ)",
                 "⏳ Case {reference}: the result is due {due} ({days} working days left)."),
    "o.escalate.head": ("🔺 เรื่อง {reference} ของ{division} เลยกำหนดแจ้งผล{due}แล้วค่ะ",
                        "🔺 Case {reference} of the {division} passed its due date, {due}."),
    "o.escalate.centre": (
        "🔴 เรื่อง {reference} ของ{division} เลยกำหนด{due}มาแล้ว {days} วันทำการค่ะ",
        "🔴 Case {reference} of the {division} is {days} working days past {due}."),
    "o.ack.late": ("🔺 เรื่อง {reference} ของ{division} ยังไม่มีผู้รับเรื่อง (กำหนดรับ{due})",
                   "🔺 Case {reference} of the {division} is not taken yet (due {due})."),
    "o.progress.due": (
        "🛡️ เรื่องแจ้งเบาะแส {reference} ต้องแจ้งความคืบหน้าแก่ผู้แจ้งภายใน{due}ค่ะ",
        "🛡️ Report {reference}: the reporter must hear of progress by {due}."),
    "o.progress.late": (
        "🔺 เรื่องแจ้งเบาะแส {reference} เลยกำหนดแจ้งความคืบหน้าแก่ผู้แจ้ง ({due}) แล้วค่ะ",
        "🔺 Report {reference}: the reporter should have heard of progress by {due}."),
    "o.do.postpone": ("📅 เลื่อนกำหนด", "📅 New date"),
    "o.postpone.date": ("แจ้งผลได้ภายในวันที่เท่าไรคะ (เช่น 15/01/2570)",
                        "By what date can you give the result? (e.g. 15/01/2027)"),
    "o.postpone.bad": ("วันที่ไม่ถูกต้อง หรือไม่ใช่วันในอนาคตค่ะ", "That is not a valid future date."),
    "o.postpone.reason": ("กรุณาพิมพ์เหตุผลที่ต้องเลื่อนค่ะ (ผู้ร้องจะเห็นข้อความนี้)",
                          "Why the new date? (the citizen will read this)"),
    "u.postponed": (
        "📅 เรื่อง {reference}: {division}ขอเลื่อนกำหนดแจ้งผลเป็น{date}ค่ะ\nเหตุผล: {note}",
        "📅 Case {reference}: the {division} now expects the result by {date}.\nWhy: {note}",
    ),
    "o.report.alert": ("🛡️ เรื่องแจ้งเบาะแสใหม่ {reference}", "🛡️ New misconduct report {reference}"),
    "o.field.named": ("กองที่ถูกแจ้ง", "About division"),
    "o.field.when": ("เวลาและสถานที่", "When and where"),
    "o.field.told": ("ผู้แจ้งเคยบอกผู้อื่น", "Reporter told others"),
    "o.field.progress": ("แจ้งความคืบหน้าภายใน", "Progress due"),
    "o.field.reporter": ("ผู้แจ้ง", "Reporter"),
    "o.reporter.anonymous": ("ไม่ระบุตัวตน (ติดต่อผ่านคำถามในระบบเท่านั้น)",
                             "anonymous (reach them only by asking here)"),
    "o.reporter.named": ("ระบุตัวตน (ติดต่อผ่านแชตได้)", "named (reachable in chat)"),
    "o.added": ("➕ ผู้แจ้งเพิ่มข้อมูลเรื่อง {reference}:\n{text}",
                "➕ The reporter added to {reference}:\n{text}"),
    "o.ask.done.anonymous": (
        "บันทึกคำถามเรื่อง {reference} แล้วค่ะ ผู้แจ้งจะเห็นเมื่อเปิดเรื่องด้วยรหัสรับแจ้ง",
        "Question on {reference} saved: the reporter sees it when they open the report "
        "with their code."),
    "division.misconduct": ("ผู้รับเรื่องทุจริต", "integrity officers"),
    "category.misconduct": ("ทุจริต/ประพฤติมิชอบ", "Misconduct"),
    "o.text.needed": ("กรุณาพิมพ์ข้อความค่ะ", "Please type a text."),
}


def t(lang: str, key: str, **fields: Any) -> str:
    """The text ``key`` in ``lang`` ("th" unless "en"), with ``fields`` filled in."""
    th, en = TEXTS[key]
    text = en if lang == "en" else th
    return text.format(**fields) if fields else text
