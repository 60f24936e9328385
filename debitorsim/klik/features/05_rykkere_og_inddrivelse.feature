# language: da
@kontrol @tid
Egenskab: Rykkere og inddrivelse
  KLIK-trin 3 og 4: debitorsystemet rykker efter kommunens regler og lægger rykkergebyret på
  fordringen (ikke som et nyt gebyr i FBS); ubetalte fordringer overdrages til inddrivelse i
  PSRM, som kun tager en fordring, der opfylder reglerne.

  Abstrakt Scenario: En rykker med rykkergebyr
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et gebyr på 30,00 kr er overdraget til debitorsystemet
    Når borgeren ikke betaler, og der går 40 dage
    Så har debitorsystemet rykket for gebyret med kommunens rykkergebyr for gebyrer
    Og rykkergebyret ses i DebitorForespørgsel, men ikke som et nyt gebyr i FBS
    Og rapporten viser antal dage fra gebyret blev oprettet til rykkeren

    @opus
    Eksempler: KMD Opus
      | system |
      | opus   |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     |
      | prisme2015 |

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     |
      | prisme2009 |

    @eg
    Eksempler: EG ØS Indsigt
      | system |
      | eg     |

  Abstrakt Scenario: Overdragelse til inddrivelse i PSRM bliver modtaget
    Givet en kommune med debitorsystemet "<system>"
    Og en låner med CPR-nummer
    Og et skriftligt anerkendt erstatningskrav på 300,00 kr er overdraget til debitorsystemet
    Når borgeren ikke betaler, og der går 200 dage
    Så har PSRM modtaget erstatningskravet til inddrivelse
    Og FBS viser erstatningskravet som overdraget til inddrivelse med status "UDFOERT"
    Og rapporten viser antal dage fra kravet blev oprettet til overdragelsen

    @opus
    Eksempler: KMD Opus
      | system |
      | opus   |

    @prisme2015
    Eksempler: Fujitsu Prisme 2015
      | system     |
      | prisme2015 |

    @prisme2009
    Eksempler: Fujitsu Prisme 2009
      | system     |
      | prisme2009 |

    @eg
    Eksempler: EG ØS Indsigt
      | system |
      | eg     |

  Abstrakt Scenario: PSRM afviser en fordring, der ikke opfylder reglerne
    Givet kommunens debitorsystem
    Og en låner med CPR-nummer
    Og <fordringen> er overdraget til debitorsystemet
    Når fordringen sendes til inddrivelse <tidspunkt>
    Så afviser PSRM fordringen med årsagen "<aarsag>"
    Og FBS viser, at fordringen er afvist til inddrivelse

    Eksempler:
      | fordringen                                                  | tidspunkt                                          | aarsag                                      |
      | et gebyr på 300,00 kr                                       | med det samme                                      | SidsteRettidigeBetalingsdatoIkkeOverskredet |
      | et gebyr på 300,00 kr                                       | efter sidste rettidige betalingsdato, før rykkeren | RykkerprocedureIkkeGennemfoert              |
      | et erstatningskrav på 300,00 kr uden skriftlig anerkendelse | efter rykkerfristen                                | ErstatningIkkeSkriftligtAnerkendt           |

  Scenarie: PSRM afviser en fordring uden skyldnerens navn
    Givet kommunens debitorsystem
    Og en fordring på 300,00 kr er oprettet direkte i debitorsystemet uden skyldnerens navn
    Når fordringen sendes til inddrivelse efter rykkerfristen
    Så afviser PSRM fordringen med årsagen "DebitoroplysningerMangler"
    Og FBS kan ikke selv danne en fordring på en ny låner uden navn
