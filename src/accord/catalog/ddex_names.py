"""The ERN element names Accord reads, one table per major version (ERN 3.8.x and ERN 4.x).

Every path was checked against the published `release-notification.xsd` of the version named
(ERN 3.8, 3.8.1, 3.8.2, 3.8.3; ERN 4.1, 4.1.1, 4.2, 4.3); docs/catalog.md says where from and
what is not read. Paths are local names (ERN qualifies only the root element). The readers
(`accord.catalog.ddex` for 4.x, `accord.catalog.ddex38` for 3.8.x) take their names from here,
so a name corrected against the schema is corrected in one place.
"""

from __future__ import annotations

import re

#: ERN 4.x namespaces read (4.1, 4.1.1, 4.2, 4.3, 4.3.1, 4.3.2).
ERN4_NAMESPACE = re.compile(r"^http://ddex\.net/xml/ern/4(1|11|2|3|31|32)$")
#: ERN 3.8.x namespaces read (3.8, 3.8.1, 3.8.2, 3.8.3).
ERN38_NAMESPACE = re.compile(r"^http://ddex\.net/xml/ern/38[1-3]?$")

#: ERN 4.x (`NewReleaseMessage` sequence: MessageHeader, ReleaseAdmin, PartyList, CueSheetList,
#: ResourceList, ChapterList, ReleaseList, DealList, SupplementalDocumentList).
ERN4 = {
    "message_id": ("MessageHeader", "MessageId"),
    "thread_id": ("MessageHeader", "MessageThreadId"),
    "sender": ("MessageHeader", "MessageSender", "PartyId"),
    "sender_name": ("MessageHeader", "MessageSender", "PartyName", "FullName"),
    "created": ("MessageHeader", "MessageCreatedDateTime"),
    # PartyReference, PartyId/{ISNI,DPID,IpiNameNumber}, PartyName/FullName
    "party": ("PartyList", "Party"),
    # ResourceList children (ERN 4.1-4.3): audio is read into the registry, the rest recorded.
    "resource_kinds": ("SoundRecording", "Video", "Image", "Text", "SheetMusic", "Software"),
    "resource_ref": ("ResourceReference",),
    "resource_type": ("Type",),
    # ids: SoundRecording/SoundRecordingEdition/ResourceId and Video/VideoEdition/ResourceId in
    # 4.3, SoundRecording/ResourceId directly in 4.1.1 (4.2 not checked; both are read),
    # Text|Image|SheetMusic|Software/ResourceId
    "resource_id": ("ResourceId",),  # children ISRC, ProprietaryId[@Namespace], ISAN, ...
    "title_display_text": ("DisplayTitleText",),
    "title": ("DisplayTitle",),  # children TitleText, SubTitle
    "title_text": ("TitleText",),
    "subtitle": ("SubTitle",),
    "display_artist": ("DisplayArtist",),  # ArtistPartyReference, DisplayArtistRole
    "contributor": ("Contributor",),  # ContributorPartyReference, Role
    # RightsControllerPartyReference, RightSharePercentage
    "masters": ("ResourceRightsController",),
    "publishers": ("WorkRightsController",),
    "work_id": ("WorkId",),  # ISWC
    # ReleaseList children: Release (the main release), TrackRelease, ClipRelease
    "release_kinds": ("Release",),
    "release_skipped": ("TrackRelease", "ClipRelease"),
    "release_id": ("ReleaseId",),  # ICPN, GRid, ProprietaryId, CatalogNumber
    "release_type": ("ReleaseType",),
    "release_label": ("ReleaseLabelReference",),  # a PartyReference of PartyList
    "content_item": ("ResourceGroupContentItem",),  # ReleaseResourceReference, IsBonusResource
    "release_resource": ("ReleaseResourceReference",),
    "linked_resource": ("LinkedReleaseResourceReference",),
    "bonus": ("IsBonusResource",),  # on ResourceGroupContentItem
    "deal": ("DealList", "ReleaseDeal"),  # DealReleaseReference, Deal/DealTerms
}

#: ERN 3.8.x (`NewReleaseMessage` sequence: MessageHeader, UpdateIndicator, IsBackfill,
#: CatalogTransfer, WorkList, CueSheetList, ResourceList, CollectionList, ReleaseList,
#: DealList). No PartyList: parties are written inline (PartyName/FullName, PartyId).
ERN38 = {
    "message_id": ("MessageHeader", "MessageId"),
    "thread_id": ("MessageHeader", "MessageThreadId"),
    "sender": ("MessageHeader", "MessageSender", "PartyId"),
    "sender_name": ("MessageHeader", "MessageSender", "PartyName", "FullName"),
    "created": ("MessageHeader", "MessageCreatedDateTime"),
    "update": ("UpdateIndicator",),
    "resource_kinds": ("SoundRecording", "MIDI", "Video", "Image", "Text", "SheetMusic",
                       "Software", "UserDefinedResource"),
    "resource_ref": ("ResourceReference",),
    # <Kind>Type and <Kind>Id per resource kind (checked for SoundRecording, Image, Text,
    # SheetMusic; MIDI's were not seen in the schema copy: for any kind whose names are not
    # found, the first child named ...Type and the ...Id children are read)
    "resource_type": {"SoundRecording": "SoundRecordingType", "MIDI": "MidiType",
                      "Video": "VideoType", "Image": "ImageType", "Text": "TextType",
                      "SheetMusic": "SheetMusicType", "Software": "SoftwareType",
                      "UserDefinedResource": "UserDefinedResourceType"},
    "resource_id": {"SoundRecording": "SoundRecordingId", "MIDI": "MidiId", "Video": "VideoId",
                    "Image": "ImageId", "Text": "TextId", "SheetMusic": "SheetMusicId",
                    "Software": "SoftwareId", "UserDefinedResource": "UserDefinedResourceId"},
    "reference_title": ("ReferenceTitle",),  # TitleText, SubTitle
    "title_text": ("TitleText",),
    "subtitle": ("SubTitle",),
    "indirect_id": ("IndirectSoundRecordingId",),  # ISWC of the underlying work
    "bonus": ("IsBonusResource",),  # on SoundRecording and on ResourceGroupContentItem
    "work_refs": ("ResourceMusicalWorkReferenceList", "ResourceMusicalWorkReference"),
    "details": {"SoundRecording": "SoundRecordingDetailsByTerritory",
                "Video": "VideoDetailsByTerritory", "Image": "ImageDetailsByTerritory",
                "Text": "TextDetailsByTerritory", "SheetMusic": "SheetMusicDetailsByTerritory",
                "Software": "SoftwareDetailsByTerritory", "MIDI": "MidiDetailsByTerritory"},
    # inside <Kind>DetailsByTerritory / ReleaseDetailsByTerritory:
    "territory": ("TerritoryCode",),
    "title": ("Title",),  # @TitleType DisplayTitle | FormalTitle ...; TitleText, SubTitle
    "display_artist": ("DisplayArtist",),  # PartyName/FullName, PartyId, ArtistRole
    "contributor": ("ResourceContributor",),  # PartyName, PartyId, ResourceContributorRole
    "writer": ("IndirectResourceContributor",),  # ..., IndirectResourceContributorRole
    # PartyName, PartyId, RightsControllerRole, RightSharePercentage
    "masters": ("RightsController",),
    "label_name": ("LabelName",),
    "work": ("WorkList", "MusicalWork"),  # MusicalWorkReference, MusicalWorkId/ISWC, ReferenceTitle
    # a work's writers (when the recording names none) and publishers: MusicalWorkContributor
    # (PartyName, PartyId, MusicalWorkContributorRole); publisher role as below, also on
    # IndirectResourceContributor
    "work_contributor": ("MusicalWorkContributor",),
    "publisher_role": ("MusicPublisher",),
    # publishers' shares: MusicalWork/RightShare (RightShareReference, TerritoryCode,
    # RightsController*, RightSharePercentage, RightShareUnknown); RightsController as in
    # "masters" (PartyName, PartyId, RightsControllerRole, RightSharePercentage)
    "publishers": ("RightShare", "RightsController"),
    "release_kinds": ("Release",),  # @IsMainRelease; track releases are Releases too
    "release_id": ("ReleaseId",),  # GRid, ISRC, ICPN, CatalogNumber, ProprietaryId
    "release_ref": ("ReleaseReference",),
    "release_type": ("ReleaseType",),
    "release_resources": ("ReleaseResourceReferenceList", "ReleaseResourceReference"),
    # LabelName, Title, DisplayArtist, ResourceGroup
    "release_details": ("ReleaseDetailsByTerritory",),
    # DealReleaseReference, Deal/DealTerms (TakeDown, Usage/UseType)
    "deal": ("DealList", "ReleaseDeal"),
}

#: ReleaseType values that make a track without an ISRC acceptable by its proprietary id.
NO_ISRC_RELEASE_TYPES = frozenset({"DjMix"})

# --- AI disclosure (ERN 4.3.1 and later) ------------------------------------------------------
# The one table of DDEX AI names, read by the catalogue's ERN reader (accord.catalog.ddex) and,
# through accord.catalog.service, by upload screening (accord.trust.declared). Every name and
# value below was read in the schema itself (2026-12-03), in the copy mirrored by the public
# repository miqwit/dedex:
#   xsd/release_notification/431/release-notification.xsd, commit
#     d7cbeb24e31bd41fd81a6c05d876ae240a322e9a (namespace http://ddex.net/xml/ern/431)
#   xsd/release_notification/431/avs431.xsd, commit 23c31f33d62623ee835ac7c9fcc417f98f577238
# Nothing else is read as an AI declaration: a name not in the schema is ignored.

#: SoundRecording/ContainsAI, type avs:ContainsAI, minOccurs 0; in the SoundRecording sequence
#: after CompositeMusicalWorkType and before IsCover. "A Type of the SoundRecording indicating
#: the contribution of GenerativeAI."
ERN4_AI_CONTAINS = "ContainsAI"
#: SoundRecording/Contributor/AiContribution, type avs:ContainsAI, minOccurs 0; in the
#: Contributor sequence after (ContributorPartyReference | SpecialContributor), Role,
#: InstrumentType and before HasMadeFeaturedContribution. "This element defaults to All if
#: SpecialContributor is GenerativeAI."
ERN4_AI_CONTRIBUTOR = "Contributor"
ERN4_AI_CONTRIBUTION = "AiContribution"
ERN4_AI_CONTRIBUTOR_REF = "ContributorPartyReference"
ERN4_AI_SPECIAL_CONTRIBUTOR = ("SpecialContributor", "GenerativeAI")
#: avs:ContainsAI's enumeration (avs431.xsd) -> our extent: "All content was created using
#: GenerativeAI", "Part of the content ...", "No content ...".
ERN4_AI_VALUES = {"All": "all", "Partly": "partly", "None": "none"}
#: Resources other than a SoundRecording that carry their own ContainsAI (avs:ContainsAI,
#: minOccurs 0), as read in the classes miqwit/dedex generated from the same 4.3.1 XSD
#: (src/Entity/Ern431/ImageType.php, VideoType.php, TextType.php, commit d7cbeb24e31b: "A Type
#: of the Image indicating the contribution of GenerativeAI", after RelatedResource). They
#: speak of that resource (cover art, a video, lyrics or liner notes), not of the audio: kept
#: as evidence beside the recording's disclosure, never as its extent.
ERN4_AI_OTHER_RESOURCES = ("Image", "Video", "Text")
#: Release/ContainsAI: reported for ERN 4.3.2 (Release, SoundRecording, Image, Text and Video
#: each carry an optional ContainsAI); no copy of the 4.3.2 XSD was available here to check
#: its place, so it is read as a direct child of a ReleaseList's Release. A release's
#: declaration covers the recordings it lists: the stronger of it and a recording's own wins.
ERN4_AI_RELEASE = "Release"
#: SoundRecording flags (xs:boolean, minOccurs 0) kept with the disclosure, in the schema's
#: order after ContainsAI and IsCover. They say whether a (human) vocal performance is present;
#: they are not AI declarations. IsInstrumental is deprecated in 4.3.1.
ERN4_AI_FLAGS = {"HasVocalPerformance": "has_vocal_performance",
                 "HasForegroundVocalPerformance": "has_foreground_vocal_performance",
                 "IsInstrumental": "is_instrumental"}
