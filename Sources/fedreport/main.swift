print("fedreport")
